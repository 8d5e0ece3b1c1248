; RAM above 4 GiB (run with -cpu max -m 5G): QEMU's pc layout, 3 GiB below 4 GiB and 2 GiB from
; 4 GiB up. The Multiboot memory map and CMOS 0x34/0x35 and 0x5B-0x5D say so; PAE paging maps
; 2 MiB pages at the start and the end of the high RAM, where writes read back, do not alias
; the low RAM (no wrap at 4 GiB), and past the end reads all-ones.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define WIN_LO  0x40000000  ; linear: physical 0x1_0000_0000 (the first high 2 MiB)
%define WIN_HI  0x40200000  ; linear: physical 0x1_7FE0_0000 (the last 2 MiB of RAM)
%define WIN_OUT 0x40400000  ; linear: physical 0x1_8000_0000 (just past the end)

%macro CMOS 1
    mov al, %1
    out 0x70, al
    in al, 0x71
%endmacro

start:
    PM_INIT
    ; The Multiboot memory map (flag bit 6): an entry of type 1 at 4 GiB, 2 GiB long.
    test dword [ebx], 1 << 6
    CHECK nz, 1
    mov esi, [ebx + 48]                     ; mmap_addr
    mov edi, esi
    add edi, [ebx + 44]                     ; mmap_length
.entry:
    cmp esi, edi
    CHECK b, 1
    cmp dword [esi + 4], 0                  ; base low
    jne .next
    cmp dword [esi + 8], 1                  ; base high: 4 GiB
    jne .next
    cmp dword [esi + 12], 0x80000000
    CHECK e, 1
    cmp dword [esi + 16], 0
    CHECK e, 1
    cmp dword [esi + 20], 1
    CHECK e, 1
    jmp .found
.next:
    add esi, [esi]
    add esi, 4
    jmp .entry
.found:
    cmp dword [ebx + 8], (3 << 20) - 1024   ; mem_upper: KiB from 1 MiB to 3 GiB
    CHECK e, 1
    PUTS `Multiboot map: 2 GiB of RAM at 4 GiB, 3 GiB below ok\n`

    CMOS 0x34
    mov ah, al
    CMOS 0x35
    xchg al, ah
    cmp ax, ((3 << 30) - (16 << 20)) >> 16
    CHECK e, 2
    CMOS 0x5B
    cmp al, 0
    CHECK e, 2
    CMOS 0x5C
    cmp al, 0x80                            ; 0x8000 units of 64 KiB
    CHECK e, 2
    CMOS 0x5D
    cmp al, 0
    CHECK e, 2
    PUTS `CMOS: 16M-4G and above-4G sizes in 64 KiB units ok\n`

    ; PAE: PDPT[0] -> pd (0-2 MiB identity, 2 MiB pages), PDPT[1] -> pt0 used as a second
    ; page directory for the windows.
    mov edi, pd
    xor eax, eax
    mov ecx, 2 * 1024
    rep stosd
    mov dword [pd], PG_P | PG_W | PG_PS
    mov dword [pt0], PG_P | PG_W | PG_PS             ; WIN_LO -> 0x1_0000_0000
    mov dword [pt0 + 4], 1
    mov dword [pt0 + 8], 0x7FE00000 | PG_P | PG_W | PG_PS   ; WIN_HI -> 0x1_7FE0_0000
    mov dword [pt0 + 12], 1
    mov dword [pt0 + 16], 0x80000000 | PG_P | PG_W | PG_PS  ; WIN_OUT -> 0x1_8000_0000
    mov dword [pt0 + 20], 1
    mov dword [pdpt], pd + PG_P
    mov dword [pdpt + 8], pt0 + PG_P
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, pdpt
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    mov dword [0x1000], 0x11111111          ; low RAM at physical 0x1000
    mov dword [WIN_LO + 0x1000], 0x22222222
    cmp dword [0x1000], 0x11111111          ; no alias of physical 0x1000
    CHECK e, 3
    cmp dword [WIN_LO + 0x1000], 0x22222222
    CHECK e, 3
    mov edi, WIN_HI + 0x200000 - 4096       ; the last page of RAM
    mov eax, 0xC0DE0000
    mov ecx, 1024
.fill:
    stosd
    inc eax
    loop .fill
    mov esi, WIN_HI + 0x200000 - 4096
    mov eax, 0xC0DE0000
    mov ecx, 1024
.check:
    cmp [esi], eax
    CHECK e, 4
    add esi, 4
    inc eax
    loop .check
    PUTS `PAE: RAM at 4 GiB and at the end of the high RAM reads back, no alias ok\n`
    cmp dword [WIN_OUT], 0xFFFFFFFF
    CHECK e, 5
    mov dword [WIN_OUT], 0
    cmp dword [WIN_OUT], 0xFFFFFFFF
    CHECK e, 5
    PUTS `past the end of RAM: all-ones, writes dropped ok\n`
    PASS

    PM_CODE
    PM_DATA
    PM_BSS
alignb 32
pdpt: resq 4
bss_end:
