; Round trips real mode -> 16-bit protected mode -> 32-bit protected mode -> 16-bit protected
; mode -> real mode, checking at each stop that CS.D picks the default operand size (the same
; INC opcode is INC AX or INC EAX), that the 0x66 prefix flips it, that SS.B and not CS.D picks
; the stack pointer width, and that real mode gets back the 64 KiB limit loaded before PE was
; cleared.
%include "lib/rom.inc"
%include "lib/rom_gdt.inc"

%define HIGH 0x00300000

; Executes the one-byte INC eAX on EAX = FFFFFFFF (with `prefix` bytes in front) and checks the
; result: FFFF0000 when it incremented AX, 0 when it incremented EAX.
%macro INC_WIDTH 3      ; prefix-bytes-or-empty, expected EAX, fail code
    xor eax, eax
    dec eax
    %1
    db 0x40
    cmp eax, %2
    CHECK e, %3
%endmacro

start:
    ROM_INIT
    lgdt [cs:rom_gdt_ptr]
    mov di, 3                   ; round trips

.round:
    INC_WIDTH , 0xFFFF0000, 1
    INC_WIDTH db 0x66, 0, 2
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp SEL_CODE16:.pm16

.pm16:
    INC_WIDTH , 0xFFFF0000, 3
    mov ax, SEL_FLAT
    mov ds, ax
    jmp SEL_CODE32:.pm32

bits 32
.pm32:
    INC_WIDTH , 0, 4
    INC_WIDTH db 0x66, 0xFFFF0000, 5
    mov ebx, HIGH
    mov [ebx], edi              ; 32-bit addressing by default
    cmp [ebx], edi
    CHECK e, 6
    ; SS still holds the real-mode cache (B=0): pushes use SP and keep ESP's high half.
    mov esp, 0xABCD7000
    push eax
    cmp esp, 0xABCD6FFC
    CHECK e, 7
    pop eax
    cmp esp, 0xABCD7000
    CHECK e, 8
    mov esp, 0x7000
    jmp SEL_CODE16:.back16

bits 16
.back16:
    INC_WIDTH , 0xFFFF0000, 9
    mov ax, SEL_DATA16          ; 64 KiB limits again before leaving protected mode
    mov ds, ax
    mov eax, cr0
    and al, ~1
    mov cr0, eax
    jmp ROM_SEG:.real

.real:
    mov eax, cr0
    test al, 1
    CHECK z, 10
    INC_WIDTH , 0xFFFF0000, 11
    xor ax, ax
    mov ds, ax
    mov ebx, HIGH
    FAULTS 13, 12, mov eax, [ebx]   ; the 64 KiB limit loaded in protected mode applies
    dec di
    jnz .round

    PUTS "modeswitch ok", 10
    PASS
