; Installs an IDT and checks exception delivery: #UD, #GP with a selector error code, #NP for
; a not-present gate, a software INT through a DPL 0 trap gate, and IRETD back.
%include "lib/multiboot.inc"
%include "lib/flat.inc"

start:
    mov esp, stack_top
    FLAT_INIT
    FLAT_GATE 6, ud_handler, 0x8E00
    FLAT_GATE 11, np_handler, 0x8E00
    FLAT_GATE 13, gp_handler, 0x8E00
    FLAT_GATE 0x40, soft_handler, 0x8F00
    FLAT_GATE 0x41, soft_handler, 0x0E00     ; not present

    ; #UD: the handler skips the two-byte UD2.
    ud2
    cmp dword [saw_ud], 1
    CHECK e, 1

    ; #GP(selector) for a selector beyond the GDT limit; the MOV did not load DS.
    mov dword [skip], 2
    mov ax, 0x7F8
    mov ds, ax
    cmp dword [gp_err], 0x7F8
    CHECK e, 2

    ; Software INT to a trap gate: IF unchanged, EIP after the INT.
    mov dword [soft_count], 0
    int 0x40
    cmp dword [soft_count], 1
    CHECK e, 3

    ; A not-present gate: #NP(vector * 8 + 2).
    mov dword [skip], 2
    int 0x41
    cmp dword [np_err], 0x41 * 8 + 2
    CHECK e, 4
    PASS

ud_handler:
    mov dword [saw_ud], 1
    add dword [esp], 2
    iretd

gp_handler:
    mov eax, [esp]
    mov [gp_err], eax
    add esp, 4
    mov eax, [skip]
    add [esp], eax
    iretd

np_handler:
    mov eax, [esp]
    mov [np_err], eax
    add esp, 4
    mov eax, [skip]
    add [esp], eax
    iretd

soft_handler:
    add dword [soft_count], 1
    iretd

FLAT_TABLES
saw_ud: dd 0
gp_err: dd 0
np_err: dd 0
skip: dd 0
soft_count: dd 0

section .bss
FLAT_IDT
    resb 4096
stack_top:
bss_end:
