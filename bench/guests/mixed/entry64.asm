; Entry for the 64-bit freestanding C guests, loaded as a flat binary by the floppy loader
; (bench/guests/floppy.asm), which enters flat 32-bit protected mode and jumps to the first
; byte: clears .bss, identity-maps the first GiB with 2 MiB pages, turns SSE on (CR0.EM clear,
; CR0.MP, CR4.OSFXSR and OSXMMEXCPT, so SSE exceptions stay masked by MXCSR's reset value),
; enters 64-bit mode, sets up a stack and calls guest_main(), then reports its return value
; through the debug-exit port (0 -> pass, status 33), as entry.asm does for the 32-bit build.
%include "entry.inc"

bits 32
section .text.entry progbits alloc exec nowrite
global _start
extern guest_main, __bss_start, __bss_end
_start:
    CLEAR_BSS
    mov dword [pml4], pdpt + 3
    mov dword [pdpt], pd + 3
    mov edi, pd
    mov eax, 0x83                           ; present, writable, 2 MiB
.pde:
    mov [edi], eax
    add eax, 0x200000
    add edi, 8
    cmp edi, pd + 4096
    jne .pde
    mov eax, pml4
    mov cr3, eax
    mov eax, cr4
    or eax, 0x620                           ; PAE, OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov ecx, 0xC0000080                     ; EFER.LME
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    and eax, ~0x4                           ; EM off
    or eax, 0x80000002                      ; PG, MP
    mov cr0, eax
    lgdt [gdt_desc]
    jmp 0x08:long_entry

bits 64
long_entry:
    mov eax, 0x10
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov rsp, stack_top
    RUN_MAIN

section .rodata
align 8
gdt:
    dq 0
    dq 0x00AF9A000000FFFF                   ; 0x08 64-bit code
    dq 0x00CF92000000FFFF                   ; 0x10 data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt

section .bss
align 4096
pml4: resb 4096
pdpt: resb 4096
pd:   resb 4096
align 16
    resb 65536
stack_top:
