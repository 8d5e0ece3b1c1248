; Fault-mix benchmark program: a loop whose every pass takes the guest exceptions fault_loop.asm
; does not, each from another kind of instruction: #DE (DIV by zero), #PF on a read-modify-write
; destination, on an ALU source, on PUSH's memory source, on MOVZX, on REP STOSD and on POP to
; memory; #GP on an ALU source past a segment limit and on a segment load; #NM on an x87
; instruction with CR0.TS set. EBP holds the faulting instruction's length, which the one handler
; steps over. It measures what delivering exceptions from the semantics at large costs.
%include "program.inc"

PASSES equ 100000
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
    or eax, 0x80000008        ; PG, TS
    mov cr0, eax

    mov ax, 0x18              ; a data segment of 4 KiB
    mov es, ax
    mov ebx, 0x2000           ; past ES's limit
    mov edx, UNMAPPED
    xor esi, esi
    mov edi, UNMAPPED
    mov ecx, PASSES
.loop:
    mov ebp, 2
    div esi                   ; #DE
    add [edx], eax            ; #PF
    cmp eax, [edx]            ; #PF
    push dword [edx]          ; #PF
    pop dword [edx]           ; #PF (the pushed value is read back, then the store faults)
    rep stosd                 ; #PF at the first element
    fld1                      ; #NM
    mov ebp, 3
    movzx eax, byte [edx]     ; #PF
    add eax, [es:ebx]         ; #GP(0)
    mov ebp, 6
    mov fs, [bad_selector]    ; #GP(0x1234)
    dec ecx
    jnz .loop
    PASS

skip_error:                   ; the vectors with an error code
    add esp, 4
skip:
    add [esp], ebp
    iret

%macro GATE 1                 ; 32-bit interrupt gate to handler %1 in selector 0x08
    dw (%1 - $$ + PROGRAM_BASE) & 0xFFFF, 0x08, 0x8E00, (%1 - $$ + PROGRAM_BASE) >> 16
%endmacro
align 8
idt:
    GATE skip                 ; 0 #DE
    times 6 dq 0
    GATE skip                 ; 7 #NM
    times 5 dq 0
    GATE skip_error           ; 13 #GP
    GATE skip_error           ; 14 #PF
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
bad_selector:
    dw 0x1234                 ; an LDT selector with no LDT

section .bss
alignb 4096
page_directory: resd 1024
    resb 4096
stack_top:
