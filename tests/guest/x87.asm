; x87 checks that fail on a wrong FPU: FNINIT state, results compared bit for bit with the
; values a real x87 produces (1/3 at each precision control, sqrt(2), FPREM quotient bits,
; FLDPI under each rounding control, FPATAN(1,1), FSIN(0), FPTAN), an FNSAVE/FRSTOR round trip
; in the 32-bit protected-mode layout, the lazy-FPU #NM pattern (CR0.TS, CLTS, re-execution)
; and #MF delivery with CR0.NE=1 versus the FERR# path with CR0.NE=0.
%include "lib/multiboot.inc"
%include "lib/flat.inc"

%define CR0_MP 0x02
%define CR0_TS 0x08
%define CR0_NE 0x20

; Pops ST(0) to memory and fails with `code` unless its 80-bit image equals `expected`.
%macro CHECK80 2
    fstp tword [tmp80]
    mov esi, tmp80
    mov edi, %1
    mov ecx, 10
    repe cmpsb
    CHECK e, %2
%endmacro

; Fails with `code` unless the status word masked by `mask` equals `value`.
%macro CHECKSW 3
    fnstsw ax
    and ax, %1
    cmp ax, %2
    CHECK e, %3
%endmacro

; Loads the control word `cw`.
%macro SETCW 1
    mov word [cw], %1
    fldcw [cw]
%endmacro

start:
    mov esp, stack_top
    cld
    FLAT_INIT
    FLAT_GATE 7, nm_handler
    FLAT_GATE 16, mf_handler
    mov eax, cr0
    and eax, ~(CR0_TS | 0x04)           ; EM = 0, TS = 0
    or eax, CR0_MP | CR0_NE
    mov cr0, eax

    ; FNINIT state.
    fninit
    mov ax, 0xFFFF
    fnstsw ax
    cmp ax, 0
    CHECK e, 1
    mov word [cw], 0
    fnstcw [cw]
    cmp word [cw], 0x037F
    CHECK e, 2

    ; 1/3 under PC = 24, 53 and 64 bits (nearest), then 64 bits chopped; C1 = round up.
    SETCW 0x007F
    call one_third
    CHECKSW 0x0200, 0x0200, 3
    CHECK80 third24, 4
    SETCW 0x027F
    call one_third
    CHECKSW 0x0200, 0x0000, 5
    CHECK80 third53, 6
    SETCW 0x037F
    call one_third
    CHECKSW 0x0200, 0x0200, 7
    CHECK80 third64, 8
    SETCW 0x0F7F
    call one_third
    CHECKSW 0x0200, 0x0000, 9
    CHECK80 third64_chop, 10
    SETCW 0x037F

    ; sqrt(2).
    fild dword [two]
    fsqrt
    CHECK80 sqrt2, 11

    ; FPREM 21 mod 4: remainder 1, quotient 5 = 101b in C0 (Q2), C3 (Q1), C1 (Q0); C2 = 0.
    fild dword [four]
    fild dword [twentyone]
    fprem
    CHECKSW 0x4700, 0x0300, 12
    CHECK80 one, 13
    fstp st0

    ; FLDPI under each rounding control: nearest and up round the last bit up.
    SETCW 0x037F
    fldpi
    CHECK80 pi_up, 14
    SETCW 0x077F
    fldpi
    CHECK80 pi_down, 15
    SETCW 0x0B7F
    fldpi
    CHECK80 pi_up, 16
    SETCW 0x0F7F
    fldpi
    CHECK80 pi_down, 17
    SETCW 0x037F

    ; FPATAN(1, 1) = pi/4 correctly rounded.
    fld1
    fld1
    fpatan
    CHECK80 pi4, 18

    ; FSIN(+0) = +0 and FSIN(-0) = -0 exactly.
    fldz
    fsin
    CHECK80 zero, 19
    fldz
    fchs
    fsin
    CHECK80 negzero, 20

    ; FPTAN(0): tan 0 = +0, then 1.0 pushed.
    fninit
    fldz
    fptan
    CHECK80 one, 21
    CHECK80 zero, 22
    CHECKSW 0x3800, 0x0000, 23          ; TOP back to 0

    ; FNSAVE/FRSTOR round trip (108-byte 32-bit protected-mode image).
    fninit
    SETCW 0x0A7F                        ; PC = 53, RC = up: visible in the image
    fldpi
    fld1
    fldz
    fnsave [save1]
    cmp word [save1], 0x0A7F            ; FCW
    CHECK e, 24
    cmp word [save1 + 4], 0x2800        ; FSW: TOP = 5
    CHECK e, 25
    cmp word [save1 + 8], 0x07FF        ; FTW: R5 zero (01), R6 and R7 valid (00), rest empty
    CHECK e, 26
    cmp word [save1 + 2], 0xFFFF        ; reserved upper half
    CHECK e, 27
    mov esi, save1 + 28                 ; ST(0) image = +0
    mov edi, zero
    mov ecx, 10
    repe cmpsb
    CHECK e, 28
    mov esi, save1 + 48                 ; ST(2) image = pi rounded up
    mov edi, pi_up
    mov ecx, 10
    repe cmpsb
    CHECK e, 29
    ; FNSAVE reinitialised the FPU.
    fnstcw [cw]
    cmp word [cw], 0x037F
    CHECK e, 30
    fnstsw ax
    cmp ax, 0
    CHECK e, 31
    frstor [save1]
    fnsave [save2]
    mov esi, save1
    mov edi, save2
    mov ecx, 108
    repe cmpsb
    CHECK e, 32
    frstor [save2]
    CHECK80 zero, 33
    CHECK80 one, 34
    CHECK80 pi_up, 35
    fnstcw [cw]
    cmp word [cw], 0x0A7F
    CHECK e, 36

    ; Lazy FPU: CR0.TS=1 makes the first FPU instruction raise #NM; the handler clears TS and
    ; the instruction runs again.
    fninit
    mov eax, cr0
    or eax, CR0_TS
    mov cr0, eax
    fld1
    cmp dword [nm_count], 1
    CHECK e, 37
    mov eax, cr0
    test eax, CR0_TS
    CHECK z, 38
    CHECK80 one, 39
    ; FWAIT with TS=1 and MP=1 also raises #NM.
    mov eax, cr0
    or eax, CR0_TS
    mov cr0, eax
    fwait
    cmp dword [nm_count], 2
    CHECK e, 40

    ; #MF with CR0.NE=1: an unmasked zero divide is pending until the next waiting instruction.
    fninit
    SETCW 0x037B                        ; ZE unmasked
    fld1
    fldz
    fdivp st1, st0                      ; no fault here
    cmp dword [mf_count], 0
    CHECK e, 41
    fwait                               ; #MF, handler FNCLEX, FWAIT re-executes
    cmp dword [mf_count], 1
    CHECK e, 42
    mov ax, [mf_sw]
    and ax, 0x0085                      ; ES, ZE, IE
    cmp ax, 0x0084
    CHECK e, 43
    CHECKSW 0x80BF, 0x0000, 44          ; cleared by the handler
    ; The unmasked divide left ST(0), ST(1) unchanged (1 / 0 not stored, no pop).
    CHECK80 zero, 45
    CHECK80 one, 46

    ; CR0.NE=0: the same exception only asserts FERR# (IRQ 13 on a PC); no #MF.
    mov eax, cr0
    and eax, ~CR0_NE
    mov cr0, eax
    fninit
    SETCW 0x037B
    fld1
    fldz
    fdivp st1, st0
    fwait
    fld1                                ; a waiting arithmetic instruction proceeds too
    cmp dword [mf_count], 1
    CHECK e, 47
    CHECKSW 0x0085, 0x0084, 48
    fnclex
    CHECKSW 0x80BF, 0x0000, 49

    PUTS `x87 ok\n`
    PASS

; ST(0) = 1/3 under the current control word.
one_third:
    fld1
    fidiv dword [three]
    ret

nm_handler:
    inc dword [nm_count]
    clts
    iretd

mf_handler:
    inc dword [mf_count]
    fnstsw [mf_sw]
    fnclex
    iretd

FLAT_TABLES

; Expected values, as produced by a real x87.
third24:      dq 0xAAAAAB0000000000
              dw 0x3FFD
third53:      dq 0xAAAAAAAAAAAAA800
              dw 0x3FFD
third64:      dq 0xAAAAAAAAAAAAAAAB
              dw 0x3FFD
third64_chop: dq 0xAAAAAAAAAAAAAAAA
              dw 0x3FFD
sqrt2:        dq 0xB504F333F9DE6484
              dw 0x3FFF
pi4:          dq 0xC90FDAA22168C235
              dw 0x3FFE
pi_up:        dq 0xC90FDAA22168C235
              dw 0x4000
pi_down:      dq 0xC90FDAA22168C234
              dw 0x4000
one:          dq 0x8000000000000000
              dw 0x3FFF
zero:         dq 0
              dw 0
negzero:      dq 0
              dw 0x8000
two:          dd 2
three:        dd 3
four:         dd 4
twentyone:    dd 21
nm_count:     dd 0
mf_count:     dd 0
mf_sw:        dw 0
cw:           dw 0

section .bss
align 16
tmp80:  resb 16
save1:  resb 108
save2:  resb 108
FLAT_IDT
        resb 4096
stack_top:
bss_end:
