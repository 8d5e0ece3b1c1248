; The i440FX PAM0 register moves 0xF0000-0xFFFFF between this ROM and the RAM beneath while
; flat 32-bit code (which the JIT translates) calls a routine there: copied to write-only shadow
; RAM and patched, the routine still runs from the ROM; read-only shadow runs the patched copy
; and drops stores; read/write shadow takes a store into the routine as self-modifying code; back
; to the ROM, the original runs again. The test's own code switches under itself each time
; (the copy is the same bytes).
%include "lib/rom.inc"

%define SEL_CODE 0x08
%define SEL_DATA 0x10

; PAM0 (config offset 0x59 of the host bridge, 00:00.0): bits 5:4 route the F segment.
%macro PAM0 1
    mov dx, 0xCF8
    mov eax, 0x80000058
    out dx, eax
    mov dx, 0xCFD
    mov al, %1
    out dx, al
%endmacro

; The routine must return %1 (called twice: the second call runs what the first translated),
; and a data load must read %1 as its immediate (no TLB entry of the old routing may serve it).
; Called through a register: the code assembles at offset 0 but runs at ROM_BASE, so a relative
; call would miss.
%macro EXPECT 2
    mov ebx, ROM_BASE + routine
    call ebx
    call ebx
    cmp eax, %1
    CHECK e, %2
    cmp dword [ROM_BASE + routine + 1], %1
    CHECK e, %2 + 0x20
%endmacro

start:
    ROM_INIT
    lgdt [cs:gdt_ptr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE:ROM_BASE + pm32

bits 32
pm32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    cld

    EXPECT 1, 1

    ; Write-only shadow: reads see the ROM, writes reach RAM.
    PAM0 0x20
    mov esi, ROM_BASE
    mov edi, ROM_BASE
    mov ecx, 0x10000 / 4
    rep movsd
    mov dword [ROM_BASE + routine + 1], 2
    EXPECT 1, 2

    ; Read-only shadow: the patched copy runs; stores go to the ROM, which drops them.
    PAM0 0x10
    EXPECT 2, 3
    mov dword [ROM_BASE + routine + 1], 3
    EXPECT 2, 4

    ; Read/write shadow: a store into the routine is self-modifying code.
    PAM0 0x30
    mov dword [ROM_BASE + routine + 1], 3
    EXPECT 3, 5

    ; Back to the ROM.
    PAM0 0x00
    EXPECT 1, 6
    PASS

routine:
    mov eax, 1
    ret

align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF   ; 0x08 flat 32-bit code, accessed
    dq 0x00CF93000000FFFF   ; 0x10 flat data, accessed
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd ROM_BASE + gdt
