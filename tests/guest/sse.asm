; SSE and MMX around the control bits and FXSAVE, run with -cpu max: CPUID's MMX/FXSR/SSE/SSE2 bits; #UD with
; CR4.OSFXSR clear and with CR0.EM set (FXSAVE: #NM there), #NM with CR0.TS set and the retry
; after CLTS; LDMXCSR and FXRSTOR refusing reserved MXCSR bits with #GP(0); a masked and an
; unmasked divide by zero (#XM, destination unchanged; #UD with CR4.OSXMMEXCPT clear); an exact
; tiny product, which raises underflow only when it is unmasked (and then no inexact); the
; FXSAVE image field by field and an FXRSTOR of an edited one; FXSAVE off a 16-byte boundary;
; MMX registers aliasing the x87 ones, EMMS, and MMX's #UD/#NM/#MF; one known result each of
; SSE3, SSSE3, SSE4.1, SSE4.2, CRC32 (CRC-32C's check value), POPCNT and FISTTP (CRC32 and
; POPCNT need no CR4.OSFXSR); XSAVE: #UD with CR4.OSXSAVE clear, CPUID's OSXSAVE bit following
; CR4, XGETBV/XSETBV and XCR0's #GP rules, the XSAVE image (legacy region, XSTATE_BV, what it
; leaves alone), XRSTOR initialising a component whose XSTATE_BV bit is clear and refusing a
; bad header.
; sse_pentium2.asm assembles this with NO_SSE for the default model, where all of it is #UD and
; CR4.OSFXSR and OSXSAVE are reserved.
%include "lib/multiboot.inc"
%include "lib/flat.inc"

%define CR0_EM 0x04
%define CR0_TS 0x08
%define CR0_NE 0x20
%define CR4_OSFXSR 0x200
%define CR4_OSXMMEXCPT 0x400
%define CR4_OSXSAVE 0x40000
%define CPUID1_ECX_EXT 0x04980201   ; SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, XSAVE
%define CPUID1_ECX_OSXSAVE 0x08000000
%define NO_FAULT 0xFF

; Runs the instruction (braces around one with commas) expecting exception `vec` (NO_FAULT:
; none); the handlers resume after it. Fails with `code` otherwise.
%macro EXPECT 3
    mov dword [got_vec], NO_FAULT
    mov dword [resume], %%after
    %3
%%after:
    cmp dword [got_vec], %1
    CHECK e, %2
%endmacro

; Fails with `code` unless MXCSR equals `value`.
%macro CHECK_MXCSR 2
    stmxcsr [csr_out]
    cmp dword [csr_out], %1
    CHECK e, %2
%endmacro

; Fails with `code` unless the 16 bytes at `a` and `b` are equal.
%macro SAME16 3
    mov esi, %1
    mov edi, %2
    mov ecx, 16
    repe cmpsb
    CHECK e, %3
%endmacro

%macro SET_CR4 1
    mov eax, %1
    mov cr4, eax
%endmacro

start:
    mov esp, stack_top
    cld
    FLAT_INIT
    FLAT_GATE 6, ud_handler
    FLAT_GATE 7, nm_handler
    FLAT_GATE 13, gp_handler
    FLAT_GATE 16, mf_handler
    FLAT_GATE 19, xm_handler
    mov eax, 1
    cpuid
    and edx, 0x07800000             ; MMX FXSR SSE SSE2
%ifdef NO_SSE
    cmp edx, 0
    CHECK e, 1
    PUTS `CPUID 1: no MMX, FXSR, SSE or SSE2\n`
    EXPECT 13, 2, {SET_CR4 CR4_OSFXSR}
    EXPECT 13, 3, {SET_CR4 CR4_OSXMMEXCPT}
    PUTS `CR4.OSFXSR and OSXMMEXCPT: #GP(0)\n`
    EXPECT 6, 4, {fxsave [image]}
    EXPECT 6, 5, {fxrstor [image]}
    EXPECT 6, 6, {xorps xmm0, xmm0}
    EXPECT 6, 7, {ldmxcsr [csr_default]}
    EXPECT 6, 8, {lfence}
    EXPECT 6, 9, {paddb xmm0, xmm1}
    EXPECT 6, 10, {emms}
    EXPECT 6, 11, {movq mm0, mm1}
    PUTS `FXSAVE, FXRSTOR, XORPS, LDMXCSR, LFENCE, PADDB, EMMS, MOVQ mm: #UD\n`
    mov eax, 1
    cpuid
    test ecx, CPUID1_ECX_EXT | CPUID1_ECX_OSXSAVE
    CHECK z, 12
    EXPECT 13, 13, {SET_CR4 CR4_OSXSAVE}
    EXPECT 6, 14, {popcnt eax, ecx}
    EXPECT 6, 15, {crc32 eax, cl}
    EXPECT 6, 16, {fisttp dword [out]}
    EXPECT 6, 17, {xgetbv}
    EXPECT 6, 18, {xsave [image]}
    PUTS `CPUID 1: no SSE3..SSE4.2, POPCNT, XSAVE; CR4.OSXSAVE #GP(0); POPCNT, CRC32, FISTTP, XGETBV, XSAVE: #UD\n`
    PASS
%else
    cmp edx, 0x07800000
    CHECK e, 1
    PUTS `CPUID 1: MMX FXSR SSE SSE2\n`

    ; CR4.OSFXSR clear: SSE is #UD; FXSAVE works.
    SET_CR4 0
    EXPECT 6, 2, {xorps xmm0, xmm0}
    EXPECT 6, 3, {ldmxcsr [csr_default]}
    EXPECT NO_FAULT, 4, {fxsave [image]}
    PUTS `CR4.OSFXSR=0: XORPS, LDMXCSR #UD; FXSAVE runs\n`
    SET_CR4 CR4_OSFXSR | CR4_OSXMMEXCPT
    mov eax, cr4
    cmp eax, CR4_OSFXSR | CR4_OSXMMEXCPT
    CHECK e, 5

    ; CR0.EM: SSE #UD, FXSAVE #NM. CR0.TS: both #NM; CLTS, then they run.
    mov eax, cr0
    or eax, CR0_EM
    mov cr0, eax
    EXPECT 6, 6, {addps xmm0, xmm1}
    EXPECT 7, 7, {fxsave [image]}
    mov eax, cr0
    and eax, ~CR0_EM
    or eax, CR0_TS
    mov cr0, eax
    EXPECT 7, 8, {movaps xmm0, [ones]}
    EXPECT 7, 9, {fxsave [image]}
    clts
    EXPECT NO_FAULT, 10, {movaps xmm0, [ones]}
    PUTS `CR0.EM=1: ADDPS #UD, FXSAVE #NM; CR0.TS=1: MOVAPS, FXSAVE #NM; after CLTS they run\n`

    ; LDMXCSR with a reserved bit: #GP(0), MXCSR unchanged.
    ldmxcsr [csr_default]
    mov dword [gp_err], 0xFFFF
    EXPECT 13, 11, {ldmxcsr [csr_reserved]}
    cmp dword [gp_err], 0
    CHECK e, 12
    CHECK_MXCSR 0x1F80, 13
    PUTS `LDMXCSR 0x11F80: #GP(0)\n`

    ; 1/0 masked: +infinity, ZE. Unmasked: #XM, xmm1 unchanged, ZE set; with OSXMMEXCPT clear #UD.
    movaps xmm1, [ones]
    xorps xmm2, xmm2
    EXPECT NO_FAULT, 14, {divps xmm1, xmm2}
    movups [out], xmm1
    SAME16 out, infs, 15
    CHECK_MXCSR 0x1F84, 16
    ldmxcsr [csr_zm]
    movaps xmm1, [ones]
    EXPECT 19, 17, {divps xmm1, xmm2}
    movups [out], xmm1
    SAME16 out, ones, 18
    CHECK_MXCSR 0x1D84, 19
    SET_CR4 CR4_OSFXSR
    ldmxcsr [csr_zm]
    EXPECT 6, 20, {divss xmm1, xmm2}
    CHECK_MXCSR 0x1D84, 21
    SET_CR4 CR4_OSFXSR | CR4_OSXMMEXCPT
    PUTS `DIVPS by zero: masked +inf; unmasked #XM, destination kept; OSXMMEXCPT=0: #UD\n`

    ; 2^-126 * 0.5 = 2^-127, an exact denormal: no flag masked; UE alone (#XM) unmasked.
    ldmxcsr [csr_default]
    movss xmm3, [min_normal]
    EXPECT NO_FAULT, 22, {mulss xmm3, [half]}
    movd eax, xmm3
    cmp eax, 0x00400000
    CHECK e, 23
    CHECK_MXCSR 0x1F80, 24
    ldmxcsr [csr_um]
    movss xmm3, [min_normal]
    EXPECT 19, 25, {mulss xmm3, [half]}
    CHECK_MXCSR 0x1790, 26
    PUTS `exact tiny product: no flag masked, UE alone unmasked (#XM)\n`

    ; The FXSAVE image.
    fninit
    fldcw [cw]
fld1_at:
    fld1
    ldmxcsr [csr_down]
    movaps xmm0, [pattern0]
    movaps xmm7, [pattern7]
    mov edi, image
    mov ecx, 128
    mov eax, 0xA5A5A5A5
    rep stosd
    fxsave [image]
    cmp word [image], 0x027F        ; FCW
    CHECK e, 27
    cmp word [image + 2], 0x3800    ; FSW: TOP = 7
    CHECK e, 28
    cmp word [image + 4], 0x0080    ; abridged tag: R7 in use; reserved byte 0
    CHECK e, 29
    cmp word [image + 6], 0x01E8    ; FOP of FLD1 (D9 E8)
    CHECK e, 30
    cmp dword [image + 8], fld1_at  ; FIP, FCS (reserved half 0)
    CHECK e, 31
    cmp dword [image + 12], 0x08
    CHECK e, 32
    cmp dword [image + 16], 0       ; FDP, FDS: FNINIT's
    CHECK e, 33
    cmp dword [image + 20], 0
    CHECK e, 34
    cmp dword [image + 24], 0x3F80  ; MXCSR
    CHECK e, 35
    cmp dword [image + 28], 0xFFFF  ; MXCSR_MASK
    CHECK e, 36
    SAME16 image + 32, one80, 37    ; ST0 = 1.0 and six reserved zero bytes
    SAME16 image + 160, pattern0, 38
    SAME16 image + 160 + 7 * 16, pattern7, 39
    cmp dword [image + 288], 0xA5A5A5A5  ; bytes 288-511 untouched
    CHECK e, 40
    cmp dword [image + 508], 0xA5A5A5A5
    CHECK e, 41
    EXPECT 13, 42, {fxsave [image + 8]}
    PUTS `FXSAVE: FCW FSW abridged tags FOP FIP FCS FDP FDS MXCSR MXCSR_MASK ST0 XMM0 XMM7; misaligned #GP(0)\n`

    ; FXRSTOR: a reserved MXCSR bit is #GP(0) with nothing loaded; an edited image loads.
    mov esi, image
    mov edi, image2
    mov ecx, 128
    rep movsd
    mov dword [image2 + 24], 0x00011F80
    EXPECT 13, 43, {fxrstor [image2]}
    CHECK_MXCSR 0x3F80, 44
    mov dword [image2 + 24], 0x1F80
    mov byte [image2 + 4], 0        ; every x87 register empty
    mov dword [image2 + 160 + 3 * 16], 0x12345678
    EXPECT NO_FAULT, 45, {fxrstor [image2]}
    CHECK_MXCSR 0x1F80, 46
    fnstenv [env]
    cmp word [env + 8], 0xFFFF      ; tag word
    CHECK e, 47
    movd eax, xmm3
    cmp eax, 0x12345678
    CHECK e, 48
    PUTS `FXRSTOR: reserved MXCSR bit #GP(0); edited image loaded\n`

    ; MMX: MM0 is R0's significand with the exponent bits set; TOP = 0 and every tag valid
    ; after an MMX instruction; EMMS empties the tags. CR0.EM: #UD (CR4.OSFXSR does not
    ; matter); CR0.TS: #NM; a pending x87 exception: #MF first.
    fninit
    fld1                            ; TOP = 7
    movq mm0, [pattern0]
    fnstenv [env]
    cmp word [env + 4], 0           ; FSW: TOP = 0
    CHECK e, 49
    fxsave [image]
    cmp byte [image + 4], 0xFF      ; every register in use
    CHECK e, 50
    mov eax, [pattern0]
    cmp [image + 32], eax           ; ST0 = R0
    CHECK e, 51
    cmp word [image + 40], 0xFFFF
    CHECK e, 52
    paddd mm0, mm0
    movd eax, mm0
    cmp eax, 0x00224466
    CHECK e, 53
    emms
    fnstenv [env]
    cmp word [env + 8], 0xFFFF
    CHECK e, 54
    SET_CR4 0
    EXPECT NO_FAULT, 55, {pavgb mm1, mm2}
    SET_CR4 CR4_OSFXSR | CR4_OSXMMEXCPT
    mov eax, cr0
    or eax, CR0_EM
    mov cr0, eax
    EXPECT 6, 56, {paddb mm0, mm1}
    mov eax, cr0
    and eax, ~CR0_EM
    or eax, CR0_TS
    mov cr0, eax
    EXPECT 7, 57, {emms}
    clts
    mov eax, cr0
    or eax, CR0_NE
    mov cr0, eax
    fninit
    fldcw [cw_zm]
    fld1
    fldz
    fdivp st1, st0                  ; 1/0 with ZE unmasked: pending
    EXPECT 16, 58, {movq mm0, mm1}
    PUTS `MMX: MM0 = R0, TOP 0, tags valid, EMMS empties; OSFXSR not needed; EM #UD, TS #NM, pending #MF\n`

    ; SSE3 to SSE4.2: one known result each.
    fninit
    mov eax, 1
    cpuid
    and ecx, CPUID1_ECX_EXT | CPUID1_ECX_OSXSAVE
    cmp ecx, CPUID1_ECX_EXT
    CHECK e, 59
    ldmxcsr [csr_default]
    movaps xmm0, [f1234]
    haddps xmm0, [f10_40]
    movups [out], xmm0
    SAME16 out, hadd_want, 60
    movaps xmm1, [pattern0]
    pshufb xmm1, [reverse]
    movups [out], xmm1
    SAME16 out, pattern0_rev, 61
    movaps xmm2, [round_in]
    roundps xmm2, xmm2, 0           ; to nearest even
    movups [out], xmm2
    SAME16 out, round_want, 62
    CHECK_MXCSR 0x1FA0, 63          ; PE
    movaps xmm3, [mul_a]
    pmulld xmm3, [mul_b]
    movups [out], xmm3
    SAME16 out, mul_want, 64
    ldmxcsr [csr_default]
    movdqu xmm4, [needle]
    pcmpistri xmm4, [haystack], 0x0C  ; equal ordered, unsigned bytes: "lo" in "hello"
    CHECK c, 65
    cmp ecx, 3
    CHECK e, 66
    SET_CR4 0                       ; CRC32 and POPCNT are not SSE: CR4.OSFXSR does not matter
    mov eax, 0xFFFFFFFF
    crc32 eax, dword [check_text]
    crc32 eax, word [check_text + 4]
    crc32 eax, word [check_text + 6]
    crc32 eax, byte [check_text + 8]
    not eax
    cmp eax, 0xE3069283             ; CRC-32C of "123456789"
    CHECK e, 67
    mov ecx, 0xF0F0F00F
    popcnt eax, ecx
    cmp eax, 16
    CHECK e, 68
    xor ecx, ecx
    popcnt eax, ecx
    CHECK z, 69
    EXPECT 6, 70, {pshufb xmm1, xmm1}
    fld qword [minus_2_7]
    fisttp dword [out]              ; toward zero whatever RC (nearest) says
    cmp dword [out], -2
    CHECK e, 71
    PUTS `HADDPS PSHUFB ROUNDPS PMULLD PCMPISTRI CRC32 POPCNT FISTTP; CRC32 and POPCNT with CR4.OSFXSR=0, PSHUFB #UD\n`

    ; XSAVE needs CR4.OSXSAVE; CPUID.1:ECX.OSXSAVE follows it.
    EXPECT 6, 72, {xgetbv}
    EXPECT 6, 73, {xsetbv}
    EXPECT 6, 74, {xsave [xarea]}
    EXPECT 6, 75, {xrstor [xarea]}
    SET_CR4 CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE
    mov eax, 1
    cpuid
    test ecx, CPUID1_ECX_OSXSAVE
    CHECK nz, 76
    xor ecx, ecx
    xgetbv
    cmp eax, 1                      ; XCR0 at reset: x87 only
    CHECK e, 77
    test edx, edx
    CHECK z, 78
    PUTS `CR4.OSXSAVE=0: XGETBV XSETBV XSAVE XRSTOR #UD; =1: CPUID OSXSAVE, XCR0 = 1\n`
    xor edx, edx
    mov ecx, 1
    EXPECT 13, 79, {xgetbv}
    mov eax, 3
    EXPECT 13, 80, {xsetbv}         ; ECX = 1
    xor ecx, ecx
    mov eax, 2
    EXPECT 13, 81, {xsetbv}         ; no x87
    mov eax, 7
    EXPECT 13, 82, {xsetbv}         ; AVX
    mov eax, 3
    mov edx, 1
    EXPECT 13, 83, {xsetbv}         ; bit 32
    xor edx, edx
    EXPECT NO_FAULT, 84, {xsetbv}
    xgetbv
    cmp eax, 3
    CHECK e, 85
    PUTS `XGETBV ECX=1, XSETBV ECX=1, without x87, with AVX, bit 32: #GP(0); XSETBV 3\n`

    ; The XSAVE image: the legacy region as FXSAVE's, XSTATE_BV's requested bits.
    fninit
    fld1
    ldmxcsr [csr_down]
    movaps xmm0, [pattern0]
    mov edi, xarea
    mov ecx, 576 / 4
    mov eax, 0xA5A5A5A5
    rep stosd
    mov dword [xarea + 512], 0x80   ; XSTATE_BV: bit 7 stays
    mov dword [xarea + 516], 0
    mov eax, 3
    xor edx, edx
    xsave [xarea]
    cmp word [xarea], 0x037F        ; FCW
    CHECK e, 86
    cmp word [xarea + 4], 0x0080    ; abridged tags
    CHECK e, 87
    cmp dword [xarea + 24], 0x3F80  ; MXCSR
    CHECK e, 88
    SAME16 xarea + 32, one80, 89
    SAME16 xarea + 160, pattern0, 90
    cmp dword [xarea + 288], 0xA5A5A5A5  ; XMM8-15 (64-bit mode only) and the rest untouched
    CHECK e, 91
    cmp dword [xarea + 512], 0x83   ; XSTATE_BV: x87 and SSE in use
    CHECK e, 92
    cmp dword [xarea + 520], 0xA5A5A5A5  ; XCOMP_BV untouched
    CHECK e, 93
    mov dword [xarea + 512], 0
    mov word [xarea], 0x1234
    mov eax, 2                      ; SSE only: the x87 fields stay
    xsave [xarea]
    cmp word [xarea], 0x1234
    CHECK e, 94
    cmp dword [xarea + 512], 2
    CHECK e, 95
    mov eax, 3
    EXPECT 13, 96, {xsave [xarea + 16]}
    mov ebx, cr0
    or ebx, CR0_TS
    mov cr0, ebx
    EXPECT 7, 97, {xsave [xarea]}
    clts
    PUTS `XSAVE: FCW tags MXCSR ST0 XMM0, bytes 288-511 and XCOMP_BV kept, XSTATE_BV; RFBM 2 keeps x87; misaligned #GP(0), TS #NM\n`

    ; XRSTOR: XSTATE_BV's SSE bit clear initialises the XMM registers (MXCSR still loads);
    ; a bit XCR0 lacks or a non-zero XCOMP_BV is #GP(0) with nothing loaded.
    mov dword [xarea + 512], 1
    mov dword [xarea + 520], 0
    mov dword [xarea + 524], 0
    mov dword [xarea + 528], 0
    mov dword [xarea + 532], 0
    mov dword [xarea + 24], 0x1F80
    fninit
    mov eax, 3
    EXPECT NO_FAULT, 98, {xrstor [xarea]}
    movups [out], xmm0
    SAME16 out, zeros, 99
    CHECK_MXCSR 0x1F80, 100
    fnstenv [env]
    cmp word [env + 8], 0x3FFF      ; ST0 (R7) valid again
    CHECK e, 101
    movaps xmm0, [pattern0]
    mov dword [xarea + 512], 4      ; AVX
    EXPECT 13, 102, {xrstor [xarea]}
    mov dword [xarea + 512], 3
    mov dword [xarea + 520], 1      ; XCOMP_BV
    EXPECT 13, 103, {xrstor [xarea]}
    movups [out], xmm0
    SAME16 out, pattern0, 104
    PUTS `XRSTOR: XSTATE_BV SSE clear zeroes XMM, MXCSR loaded; AVX bit or XCOMP_BV #GP(0), nothing loaded\n`
    PASS
%endif

; Exception handlers: note the vector (and #GP's error code), resume after the instruction.
ud_handler:
    mov dword [got_vec], 6
    jmp resume_after
nm_handler:
    mov dword [got_vec], 7
    jmp resume_after
xm_handler:
    mov dword [got_vec], 19
    jmp resume_after
mf_handler:
    mov dword [got_vec], 16
    fnclex
    jmp resume_after
gp_handler:
    mov dword [got_vec], 13
    pop dword [gp_err]
resume_after:
    push eax
    mov eax, [resume]
    mov [esp + 4], eax
    pop eax
    iretd

FLAT_TABLES

align 16
ones:        dd 1.0, 1.0, 1.0, 1.0
infs:        dd 0x7F800000, 0x7F800000, 0x7F800000, 0x7F800000
pattern0:    dd 0x00112233, 0x44556677, 0x8899AABB, 0xCCDDEEFF
pattern7:    dd 0x01234567, 0x89ABCDEF, 0xFEDCBA98, 0x76543210
one80:       dq 0x8000000000000000
             dw 0x3FFF, 0, 0, 0
min_normal:  dd 0x00800000
half:        dd 0.5
csr_default: dd 0x1F80
csr_reserved: dd 0x00011F80
csr_zm:      dd 0x1D80              ; divide-by-zero unmasked
csr_um:      dd 0x1780              ; underflow unmasked
csr_down:    dd 0x3F80              ; round down
cw:          dw 0x027F
cw_zm:       dw 0x037B              ; divide-by-zero unmasked
got_vec:     dd 0
gp_err:      dd 0
resume:      dd 0
csr_out:     dd 0
f1234:       dd 1.0, 2.0, 3.0, 4.0
f10_40:      dd 10.0, 20.0, 30.0, 40.0
hadd_want:   dd 3.0, 7.0, 30.0, 70.0
reverse:     db 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
pattern0_rev: dd 0xFFEEDDCC, 0xBBAA9988, 0x77665544, 0x33221100
round_in:    dd 1.5, 2.5, -1.5, 0.7
round_want:  dd 2.0, 2.0, -2.0, 1.0
mul_a:       dd 0x10000, 3, -7, 0x7FFFFFFF
mul_b:       dd 0x10000, -5, -7, 2
mul_want:    dd 0, -15, 49, 0xFFFFFFFE
zeros:       dd 0, 0, 0, 0
needle:      db "lo", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
haystack:    db "hello", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
check_text:  db "123456789"
minus_2_7:   dq -2.7

section .bss
align 16
image:  resb 512
image2: resb 512
out:    resb 16
alignb 64
xarea:  resb 576
env:    resb 28
FLAT_IDT
        resb 4096
stack_top:
bss_end:
