; SSE and MMX around the control bits and FXSAVE, run with -cpu max: CPUID's MMX/FXSR/SSE/SSE2 bits; #UD with
; CR4.OSFXSR clear and with CR0.EM set (FXSAVE: #NM there), #NM with CR0.TS set and the retry
; after CLTS; LDMXCSR and FXRSTOR refusing reserved MXCSR bits with #GP(0); a masked and an
; unmasked divide by zero (#XM, destination unchanged; #UD with CR4.OSXMMEXCPT clear); an exact
; tiny product, which raises underflow only when it is unmasked (and then no inexact); the
; FXSAVE image field by field and an FXRSTOR of an edited one; FXSAVE off a 16-byte boundary;
; MMX registers aliasing the x87 ones, EMMS, and MMX's #UD/#NM/#MF.
; sse_pentium2.asm assembles this with NO_SSE for the default model, where all of it is #UD and
; CR4.OSFXSR is reserved.
%include "lib/multiboot.inc"
%include "lib/flat.inc"

%define CR0_EM 0x04
%define CR0_TS 0x08
%define CR0_NE 0x20
%define CR4_OSFXSR 0x200
%define CR4_OSXMMEXCPT 0x400
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

section .bss
align 16
image:  resb 512
image2: resb 512
out:    resb 16
env:    resb 28
FLAT_IDT
        resb 4096
stack_top:
bss_end:
