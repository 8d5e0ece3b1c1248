; Fault-loop benchmark program: a loop whose every pass takes #UD (UD2), #GP (a load past a
; segment limit) and #PF (a load from a not-present page), each handler stepping over the
; faulting instruction. It measures the cost of delivering guest exceptions.
%include "program.inc"

PASSES equ 1000000
UNMAPPED equ 0x01000000       ; the first 16 MiB are mapped by 4 MiB pages, this is not

start:
    lgdt [gdt_desc]
    jmp 0x08:.cs_loaded
.cs_loaded:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, stack_top
    lidt [idt_desc]
    mov edi, page_directory   ; the loader does not clear .bss
    mov eax, 0x83             ; present, writable, 4 MiB
.pde:
    stosd
    add eax, 0x400000
    cmp edi, page_directory + 16
    jb .pde
    xor eax, eax
    mov ecx, 1024 - 4
    rep stosd
    mov eax, cr4
    or eax, 0x10              ; PSE
    mov cr4, eax
    mov eax, page_directory
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    mov ax, 0x18              ; a data segment of 4 KiB
    mov es, ax
    mov ebx, 0x2000           ; past ES's limit
    mov edx, UNMAPPED
    mov ecx, PASSES
.loop:
    ud2
    mov eax, [es:ebx]         ; #GP(0)
    mov eax, [edx]            ; #PF
    dec ecx
    jnz .loop
    PASS

ud_handler:                   ; UD2 is 2 bytes
    add dword [esp], 2
    iret
gp_handler:                   ; the load with its ES prefix is 3 bytes
    add esp, 4
    add dword [esp], 3
    iret
pf_handler:
    add esp, 4
    add dword [esp], 2
    iret

%macro GATE 1                 ; 32-bit interrupt gate to handler %1 in selector 0x08
    dw (%1 - $$ + PROGRAM_BASE) & 0xFFFF, 0x08, 0x8E00, (%1 - $$ + PROGRAM_BASE) >> 16
%endmacro
align 8
idt:
    times 6 dq 0
    GATE ud_handler           ; 6
    times 6 dq 0
    GATE gp_handler           ; 13
    GATE pf_handler           ; 14
idt_desc:
    dw $ - idt - 1
    dd idt
gdt:
    dq 0
    dq 0x00CF9A000000FFFF     ; 0x08 flat code
    dq 0x00CF92000000FFFF     ; 0x10 flat data
    dq 0x0040920000000FFF     ; 0x18 data, base 0, limit 4 KiB - 1
gdt_desc:
    dw $ - gdt - 1
    dd gdt

section .bss
alignb 4096
page_directory: resd 1024
    resb 4096
stack_top:
