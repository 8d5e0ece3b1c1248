; Memory benchmark program with paging on: identity-maps the first 16 MiB through 4 KiB pages,
; then loads and stores every 64 bytes of a 4 MiB buffer (1024 pages) a fixed number of times.
%include "program.inc"

MAPPED_TABLES equ 4          ; page tables, 4 MiB each
BUFFER equ 0x800000
BUFFER_END equ BUFFER + 0x400000
PASSES equ 8000

start:
    cld
    mov edi, page_directory  ; the loader does not clear .bss
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov edi, page_tables
    mov eax, 0x003           ; present, writable
    mov ecx, MAPPED_TABLES * 1024
.pte:
    stosd
    add eax, 0x1000
    dec ecx
    jnz .pte
    mov edi, page_directory
    mov eax, page_tables + 0x003
    mov ecx, MAPPED_TABLES
.pde:
    stosd
    add eax, 0x1000
    dec ecx
    jnz .pde
    mov eax, page_directory
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    xor ebx, ebx
    mov ecx, PASSES
.pass:
    mov esi, BUFFER
.loop:
    mov eax, [esi]
    add eax, ecx
    mov [esi + 32], eax
    xor ebx, eax
    add esi, 64
    cmp esi, BUFFER_END
    jb .loop
    dec ecx
    jnz .pass
    PASS

section .bss
alignb 4096
page_directory: resd 1024
page_tables: resd MAPPED_TABLES * 1024
