; Hostile addresses handed to BIOS services (issue 17): each request must fail with its
; documented status and leave memory alone, above all the interrupt vector table at 0, which a
; range wrapping past 4 GiB would land on.
;   - INT 13h AH=42h with a 64-bit flat buffer of FFFFFFFF_FFFFFF00 (the sum wraps), 1_00000000
;     and FFFFFF00 (one sector runs past 4 GiB): CF=1, AH=01h, no blocks done; one ending
;     exactly at 4 GiB is still a valid request.
;   - INT 15h AH=87h block moves whose source or destination runs past 4 GiB: CF=1, AH=02h.
; Disk: sector 0 boot, 1-2 the rest, the others end with their LBA.
%include "lib/boot.inc"

IVT_COPY equ 0x8000
BUF equ 0x9000

start:
    BOOT_INIT
    LOAD_STAGE2 1

    BOOT_SIGNATURE

stage2:
    cld
    xor si, si                      ; the IVT as it is before the requests
    mov di, IVT_COPY
    mov cx, 0x400
    rep movsb

    ; AH=42h, flat buffer FFFFFFFF_FFFFFF00: flat + 512 wraps to 100h.
    mov dword [dap.flat], 0xFFFFFF00
    mov dword [dap.flat + 4], 0xFFFFFFFF
    mov al, 2
    call read_flat
    ; Flat 1_00000000: the first byte is already past 4 GiB.
    mov dword [dap.flat], 0
    mov dword [dap.flat + 4], 1
    mov al, 3
    call read_flat
    ; Flat FFFFFF00: the sector's second half would run past 4 GiB.
    mov dword [dap.flat], 0xFFFFFF00
    mov dword [dap.flat + 4], 0
    mov al, 4
    call read_flat
    ; Flat FFFFFE00: the sector ends exactly at 4 GiB (the ROM's alias: the read is dropped).
    mov dword [dap.flat], 0xFFFFFE00
    mov word [dap.count], 1
    mov si, dap
    mov ah, 0x42
    mov dl, 0x80
    int 0x13
    CHECK nc, 5
    cmp word [dap.count], 1
    CHECK e, 6

    ; AH=87h: 256 words from FFFFFF00 (runs past 4 GiB) to BUF.
    mov dword [BUF], 0x12345678
    mov eax, 0xFFFFFF00
    mov ebx, BUF
    call block_move
    CHECK c, 7
    cmp ah, 0x02
    CHECK e, 8
    cmp dword [BUF], 0x12345678
    CHECK e, 9
    ; 256 words from BUF to FFFFFF00: the second half would land on the IVT.
    mov eax, BUF
    mov ebx, 0xFFFFFF00
    call block_move
    CHECK c, 10
    cmp ah, 0x02
    CHECK e, 11
    ; A move inside RAM still works: BUF to BUF + 0x1000.
    mov eax, BUF
    mov ebx, BUF + 0x1000
    call block_move
    CHECK nc, 12
    cmp dword [BUF + 0x1000], 0x12345678
    CHECK e, 13

    xor si, si                      ; the IVT is unchanged
    mov di, IVT_COPY
    mov cx, 0x400
    repe cmpsb
    CHECK e, 14
    PUTS "hostile BIOS addresses refused", 10
    PASS

; AH=42h of LBA 5 into the flat buffer at dap.flat, which must fail with AH=01h and no blocks
; done; AL is the failure code (AL+10h when it did not fail as it should).
read_flat:
    mov bl, al
    mov word [dap.count], 1
    mov si, dap
    mov ah, 0x42
    mov dl, 0x80
    int 0x13
    jnc .bad
    cmp ah, 0x01
    jne .bad
    cmp word [dap.count], 0
    jne .bad
    ret
.bad:
    mov al, bl
    add al, 0x10
    out 0xF4, al
    hlt

; AH=87h of 256 words from the physical address EAX to EBX through the GDT at gdt87.
block_move:
    mov [gdt87.src + 2], ax
    shr eax, 16
    mov [gdt87.src + 4], al
    mov [gdt87.src + 7], ah
    mov [gdt87.dst + 2], bx
    shr ebx, 16
    mov [gdt87.dst + 4], bl
    mov [gdt87.dst + 7], bh
    mov si, gdt87
    mov cx, 256
    mov ah, 0x87
    int 0x15
    ret

dap:
    db 0x18, 0
.count: dw 1
.buffer: dd 0xFFFFFFFF
.lba: dq 5
.flat: dq 0

align 8
gdt87:
    times 16 db 0
.src: dw 0xFFFF, 0, 0x9300, 0
.dst: dw 0xFFFF, 0, 0x9300, 0
    times 16 db 0

%assign k 3
%rep 16 - 3
    times (k + 1) * 512 - 4 - ($ - $$) db 0
    dd k
%assign k k + 1
%endrep
