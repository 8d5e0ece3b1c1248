; LDS/LES/LFS/LGS/LSS in protected mode: 32- and 16-bit pointers, a segment with a base, a stack
; switched by LSS, and the faults of the descriptor checks (#GP, #NP, #SS with the selector),
; each leaving the destination register and the segment register as they were; the register
; form is #UD; at ring 3 a DPL 0 data selector is #GP(selector).
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_BASED 0x30      ; data at 2 MiB, 64 KiB, DPL 0
%define SEL_ABSENT 0x38     ; data, not present
%define SEL_XONLY 0x40      ; execute-only code
%define SEL_RODATA 0x48     ; read-only data
%define HIGH 0x200000

; FAULT_CASE op1, op2, selector, vector, error, code: runs op1 op2 /6 [far_ptr] (op1 0x90 is a NOP
; before the one-byte LDS) with the selector in the pointer; it must fault as given with ESI and
; the segment register unchanged (SS, GS, FS and DS all hold SEL_DATA0 here).
%macro FAULT_CASE 6
    mov dword [far_ptr], 0xFFFFFFFF
    mov word [far_ptr + 4], %3
    mov esi, 0x33
    TRY db %1, %2, 0x35
        dd far_ptr
    EXPECT_FAULT %4, %5, %6
    cmp esi, 0x33
    CHECK e, %6
    mov ax, ss
    cmp ax, SEL_DATA0
    CHECK e, %6
    mov ax, gs
    cmp ax, SEL_DATA0
    CHECK e, %6
    mov ax, fs
    cmp ax, SEL_DATA0
    CHECK e, %6
    mov ax, ds
    cmp ax, SEL_DATA0
    CHECK e, %6
%endmacro

start:
    PM_INIT
    SETDESC SEL_BASED, HIGH, 0xFFFF, 0x92
    SETDESC SEL_ABSENT, 0, 0xFFFF, 0x12
    SETDESC SEL_XONLY, 0, 0xFFFF, 0x98
    SETDESC SEL_RODATA, 0, 0xFFFF, 0x90
    mov dword [HIGH + 0x40], 0x600DF00D

    ; 32-bit pointers: the offset, then the selector.
    mov dword [far_ptr], 0x12345678
    mov word [far_ptr + 4], SEL_DATA0
    lds esi, [far_ptr]
    cmp esi, 0x12345678
    CHECK e, 1
    mov word [far_ptr + 4], SEL_BASED
    lfs eax, [far_ptr]
    mov ebx, [fs:0x40]
    cmp ebx, 0x600DF00D
    CHECK e, 2
    mov ax, fs
    cmp ax, SEL_BASED
    CHECK e, 2
    les edi, [far_ptr]
    lgs ecx, [far_ptr]
    mov ax, es
    mov bx, gs
    cmp ax, bx
    CHECK e, 3
    cmp edi, ecx
    CHECK e, 3
    mov ax, SEL_DATA0
    mov es, ax
    mov fs, ax
    mov gs, ax

    ; 16-bit pointer: the offset word, then the selector; the upper half stays.
    mov dword [far_ptr], 0xAAAA5555
    mov word [far_ptr + 2], SEL_DATA0
    mov edx, 0x11112222
    o16 lgs dx, [far_ptr]
    cmp edx, 0x11115555
    CHECK e, 4
    PUTS `LDS/LES/LFS/LGS with 32- and 16-bit pointers ok\n`

    ; LSS switches the stack in one instruction.
    mov [saved_esp], esp
    mov dword [far_ptr], alt_stack_top
    mov word [far_ptr + 4], SEL_DATA0
    lss esp, [far_ptr]
    push 0x5A5A
    pop eax
    cmp esp, alt_stack_top
    CHECK e, 5
    cmp dword [alt_stack_top - 4], 0x5A5A
    CHECK e, 5
    mov esp, [saved_esp]
    PUTS `LSS ok\n`

    ; Faults: nothing changes, the error code names the selector.
    FAULT_CASE 0x0F, 0xB2, 0, 13, 0, 6              ; lss: null selector
    FAULT_CASE 0x0F, 0xB2, SEL_RODATA, 13, SEL_RODATA, 7
    FAULT_CASE 0x0F, 0xB2, SEL_DATA3, 13, SEL_DATA3 & ~3, 8 ; RPL, DPL 3 at CPL 0
    FAULT_CASE 0x0F, 0xB2, SEL_ABSENT, 12, SEL_ABSENT, 9  ; #SS
    FAULT_CASE 0x0F, 0xB5, SEL_ABSENT, 11, SEL_ABSENT, 10 ; lgs: #NP
    FAULT_CASE 0x0F, 0xB4, SEL_XONLY, 13, SEL_XONLY, 11   ; lfs: execute-only code
    FAULT_CASE 0x0F, 0xB4, SEL_TSS, 13, SEL_TSS, 12       ; lfs: system descriptor
    FAULT_CASE 0x90, 0xC5, 0x7F8, 13, 0x7F8, 13           ; lds: beyond the GDT
    PUTS `LxS faults ok\n`

    TRY db 0x0F, 0xB2, 0xC0     ; lss eax, eax
    EXPECT_FAULT 6, 0, 14
    PUTS `register form #UD ok\n`

    mov dword [far_ptr], 0
    mov word [far_ptr + 4], SEL_DATA0
    RING3 user
    EXPECT_FAULT 13, SEL_DATA0, 15
    cmp esi, 0x77           ; the fault left ESI as ring 3 had it
    CHECK e, 15
    PUTS `ring 3 LDS of a DPL 0 selector #GP ok\n`
    PASS

user:
    mov esi, 0x77
    lds esi, [far_ptr]          ; CPL 3 > DPL 0
    int VEC_BACK

PM_CODE
PM_DATA
far_ptr: dd 0, 0
saved_esp: dd 0

PM_BSS
    resb 256
alt_stack_top:
bss_end:
