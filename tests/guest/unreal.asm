; Unreal mode: protected mode loads a 4 GiB data segment into DS/ES/FS, clearing CR0.PE returns
; to real mode with the hidden descriptor caches intact, so 32-bit addresses above 1 MiB work
; through DS even after a real-mode selector load (which sets only selector and base). A
; register never loaded in protected mode keeps its 64 KiB limit. Far jumps reload CS in real
; mode.
%include "lib/rom.inc"
%include "lib/rom_gdt.inc"

%define HIGH 0x00200000     ; 2 MiB: beyond anything a 20-bit address reaches

start:
    ROM_INIT
    mov gs, ax

    lgdt [cs:rom_gdt_ptr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp SEL_CODE16:.pm16
.pm16:
    mov ax, SEL_FLAT
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov eax, cr0
    and al, ~1
    mov cr0, eax
    jmp ROM_SEG:.real
.real:
    ; Back in real mode: DS still holds the protected-mode cache (selector 0x18, base 0).
    mov ax, ds
    cmp ax, SEL_FLAT
    CHECK e, 1
    mov esi, HIGH
    mov dword [esi], 0x600DF00D
    cmp dword [es:esi], 0x600DF00D
    CHECK e, 2
    cmp dword [fs:esi], 0x600DF00D
    CHECK e, 3
    cmp dword [0], 0x600DF00D       ; not an alias of low memory
    CHECK ne, 4

    ; A real-mode load changes only selector and base: the 4 GiB limit stays.
    xor ax, ax
    mov es, ax
    mov ax, 0x0010
    mov ds, ax                      ; base 0x100
    mov edi, HIGH + 0x1000
    mov dword [edi - 0x100], 0x12345678
    cmp dword [es:edi], 0x12345678
    CHECK e, 5
    mov eax, [es:dword 0x07FFFFFC]  ; the top of the default 128 MiB: inside the limit
    xor ax, ax
    mov ds, ax

    ; String instructions with a 32-bit address size copy between extended-memory buffers.
    mov dword [dword HIGH + 0x100], 0x11223344
    mov dword [dword HIGH + 0x104], 0x55667788
    mov esi, HIGH + 0x100
    mov edi, HIGH + 0x400000
    mov ecx, 2
    cld
    a32 rep movsd
    cmp dword [dword HIGH + 0x400004], 0x55667788
    CHECK e, 10
    cmp edi, HIGH + 0x400008
    CHECK e, 11
    test ecx, ecx
    CHECK z, 12

    ; GS was never loaded in protected mode: its limit is still 64 KiB.
    FAULTS 13, 6, mov eax, [gs:esi]
    mov ax, [gs:0xFFFE]

    ; Far jumps reload CS in real mode: the same ROM bytes reached as EF00:x+0x1000.
    jmp 0xEF00:.alias + 0x1000
.alias:
    mov ax, cs
    cmp ax, 0xEF00
    CHECK e, 7
    call .where
.where:
    pop ax
    cmp ax, .where + 0x1000         ; IP is relative to the new CS base
    CHECK e, 8
    jmp ROM_SEG:.home
.home:
    mov ax, cs
    cmp ax, ROM_SEG
    CHECK e, 9

    PUTS "unreal ok", 10
    PASS
