; Installs an IDT and checks exception delivery: #UD, #GP with a selector error code, #NP for
; a not-present gate, a software INT through a DPL 0 trap gate, and IRETD back.
%include "lib/multiboot.inc"

; Interrupt gate (type 0x8E00) or trap gate (0x8F00) for `vec` to `handler` in the current CS.
%macro SETGATE 3
    mov eax, %2
    mov [idt + %1 * 8 + 4], eax          ; high word of the offset lands in bytes 6-7
    mov [idt + %1 * 8], ax
    mov [idt + %1 * 8 + 2], cx
    mov word [idt + %1 * 8 + 4], %3
%endmacro

start:
    mov esp, stack_top
    ; Multiboot leaves GDTR undefined: install a flat GDT and reload every segment register.
    lgdt [gdt_desc]
    jmp 0x08:.reload
.reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov cx, cs
    SETGATE 6, ud_handler, 0x8E00
    SETGATE 11, np_handler, 0x8E00
    SETGATE 13, gp_handler, 0x8E00
    SETGATE 0x40, soft_handler, 0x8F00
    SETGATE 0x41, soft_handler, 0x0E00     ; not present
    lidt [idt_desc]

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

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF   ; 0x08 flat code
    dq 0x00CF92000000FFFF   ; 0x10 flat data
gdt_desc:
    dw $ - gdt - 1
    dd gdt
idt_desc:
    dw 256 * 8 - 1
    dd idt
saw_ud: dd 0
gp_err: dd 0
np_err: dd 0
skip: dd 0
soft_count: dd 0

section .bss
align 8
idt:
    resb 256 * 8
    resb 4096
stack_top:
bss_end:
