; A BIOS write over translated code, under both engines (engines.sh): a boot sector switches to
; flat 32-bit protected mode to run a function at CODE (so the JIT translates it), returns to
; real mode and has INT 13h read a sector over that function (the BIOS writes guest memory
; from the host side, not through the CPU), then runs it again: the new code must run. Both
; AH=42h (LBA) and AH=02h (CHS) reads. Disk: sector 0 boot, 1-2 the rest, 3 and 4 new code.
%include "lib/boot.inc"

CODE equ 0x9000
SEL_CODE32 equ 0x08
SEL_DATA32 equ 0x10
SEL_CODE16 equ 0x18
SEL_DATA16 equ 0x20

start:
    BOOT_INIT
    LOAD_STAGE2 1

BOOT_SIGNATURE

stage2:
    mov dword [CODE], 0x000001B8    ; mov eax, 1; ret
    mov word [CODE + 4], 0xC300
    call run32
    cmp eax, 1
    CHECK e, 2
    call run32
    cmp eax, 1
    CHECK e, 2

    mov si, dap                     ; AH=42h: LBA 3 to 0000:CODE
    mov ah, 0x42
    mov dl, 0x80
    int 0x13
    CHECK nc, 3
    call run32
    cmp eax, 0x600D0003
    CHECK e, 4
    PUTS "INT 13h AH=42h over translated code: the new code runs ok", 10

    mov ax, 0x0201                  ; AH=02h: CHS 0/0/5 (LBA 4) to 0000:CODE
    mov bx, CODE
    mov cx, 0x0005
    xor dh, dh
    mov dl, 0x80
    int 0x13
    CHECK nc, 5
    call run32
    cmp eax, 0x600D0004
    CHECK e, 6
    PUTS "INT 13h AH=02h over translated code: the new code runs ok", 10
    PASS

; Calls the 32-bit function at CODE in flat protected mode (interrupts off) and returns its
; EAX in real mode. SS:SP stays the same linear stack in both modes.
run32:
    cli
    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp SEL_CODE32:.flat
bits 32
.flat:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    movzx esp, sp
    call CODE
    mov [result], eax
    jmp SEL_CODE16:.code16
bits 16
.code16:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and al, ~1
    mov cr0, eax
    jmp 0:.real
.real:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, [result]
    ret

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08 flat 32-bit code
    dq 0x00CF92000000FFFF           ; 0x10 flat data
    dq 0x00009A000000FFFF           ; 0x18 16-bit code, base 0, 64 KiB
    dq 0x000092000000FFFF           ; 0x20 16-bit data, base 0, 64 KiB
gdt_desc:
    dw $ - gdt - 1
    dd gdt
result: dd 0
dap:
    db 0x10, 0
    dw 1
    dw CODE, 0
    dq 3

    times 3 * 512 - ($ - $$) db 0
; Sectors 3 and 4: mov eax, 0x600D0000 + LBA; ret
%assign k 3
%rep 2
    db 0xB8
    dd 0x600D0000 + k
    db 0xC3
    times (k + 1) * 512 - ($ - $$) db 0
%assign k k + 1
%endrep
    times 64 * 512 - ($ - $$) db 0
