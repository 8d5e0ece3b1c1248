; A Multiboot ELF kernel linked at a virtual address other than where it loads (as GNU Mach
; is): one PT_LOAD segment, physical 1 MiB, virtual 0xC0100000, and an entry point given
; virtually. The loader must enter it at the physical address of the entry, through the program
; header, as GRUB does; paging is off at entry, so the virtual one is not there.
bits 32
org 0x100000

VIRTUAL equ 0xC0100000

elf_header:
    db 0x7F, "ELF", 1, 1, 1, 0      ; 32-bit, little-endian, version 1
    times 8 db 0
    dw 2, 3                         ; executable, i386
    dd 1                            ; version
    dd start - $$ + VIRTUAL         ; entry
    dd program_header - $$          ; program headers
    dd 0, 0                         ; no section headers, flags
    dw 52, 32, 1, 40, 0, 0          ; header size, one program header, no sections
program_header:
    dd 1                            ; PT_LOAD
    dd 0                            ; from file offset 0
    dd VIRTUAL, $$                  ; virtual, physical address
    dd image_end - $$, image_end - $$ + 0x1000  ; file size, memory size (a page of stack)
    dd 7, 0x1000                    ; RWX, page aligned

align 4
mb_header:
    dd 0x1BADB002
    dd 0x00000003                   ; page-aligned modules, memory information
    dd -(0x1BADB002 + 3)

%include "lib/report32.inc"

start:
    mov esp, image_end + 0x1000
    cmp eax, 0x2BADB002
    CHECK e, 1
    call .here                      ; EIP is the physical address
.here:
    pop eax
    cmp eax, .here
    CHECK e, 2
    test dword [ebx], 1 << 0        ; mem_lower/mem_upper given
    CHECK nz, 3
    PUTS `entered at the physical entry point\n`
    PASS

image_end:
