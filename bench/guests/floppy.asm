; A bootable 1.44 MB diskette holding one benchmark program, so the same image runs on jitpc
; and on qemu-system-i386 (-fda): the boot sector reads the flat 32-bit program PROGRAM (a file
; name, -DPROGRAM='"..."') from the sectors after it with INT 13h, one sector at a time (a read
; never crosses a 64 KiB DMA boundary), enables A20, enters flat protected mode, copies the
; program to PROGRAM_BASE and jumps to its first byte with interrupts off. The program ends by
; writing to the debug-exit port 0xF4; a loader failure writes its code there too (report16.inc).
%include "lib/boot.inc"
%include "program_base.inc"

STAGING_SEG equ 0x1000      ; read to 1000:0000 upwards, below the EBDA
STAGING_BYTES equ 0x90000 - STAGING_SEG * 16
SECTORS_PER_TRACK equ 18
HEADS equ 2

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    mov [drive], dl
    mov ax, STAGING_SEG
    mov es, ax
    xor bx, bx
    mov cx, 0x0002          ; cylinder 0, sector 2
    xor dh, dh
    mov di, program_sectors
.next:
    mov ax, 0x0201
    mov dl, [drive]
    int 0x13
    CHECK nc, 1
    mov ax, es
    add ax, 512 / 16
    mov es, ax
    NEXT_CHS SECTORS_PER_TRACK, HEADS
    dec di
    jnz .next

    mov ax, 0x2401          ; A20 on: the programs live above 1 MiB
    int 0x15
    CHECK nc, 2
    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp 0x08:protected

bits 32
protected:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esi, STAGING_SEG * 16
    mov edi, PROGRAM_BASE
    mov ecx, program_sectors * 512 / 4
    cld
    rep movsd
    jmp PROGRAM_BASE

    FLAT_GDT
drive: db 0

    BOOT_SIGNATURE

program:
    incbin PROGRAM
program_sectors equ ($ - program + 511) / 512
    times (STAGING_BYTES - program_sectors * 512) >>> 63 db 0   ; fails: the program is too big
    times 1474560 - ($ - $$) db 0
