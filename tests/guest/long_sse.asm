; SSE in 64-bit mode (run with -cpu max): XMM8-15 through REX prefixes, RIP-relative memory
; operands, the REX.W forms (MOVQ r64, PEXTRQ/PINSRQ, CVTSI2SD/CVTTSD2SI with 64-bit integers),
; and the 64-bit FXSAVE image: FXSAVE64 stores XMM0-15 and an upper-half FIP and FDP whole,
; FXSAVE their low halves beside FCS and FDS, FXRSTOR64 loads them back; XSAVE64's legacy region
; is FXSAVE64's. (QEMU 7.2's TCG keeps no x87 FIP or FDP: it passes up to the image checks.)
%include "lib/multiboot.inc"
%include "lib/long64.inc"

%define UPPER   0xFFFF800000000000  ; PML4 entry 256: the identity map's PDPT again

start:
    LONG_ENTER
    GATE64 13, gp_handler, 0x8E00
    mov rax, cr4
    or eax, 0x40600                         ; OSFXSR, OSXMMEXCPT, OSXSAVE
    mov cr4, rax
    mov qword [pml4 + 256 * 8], pdpt + 7

    ; ---- XMM8-15 and RIP-relative operands -------------------------------------------------
    movdqa xmm8, [rel ones]
    movdqa xmm15, [rel counts]
    paddq xmm15, xmm8
    movdqa xmm9, xmm15
    pshufd xmm10, xmm9, 0x4E                ; the halves swapped
    movdqu [rel out], xmm10
    mov rax, [rel out]
    mov rbx, 0x0000000100000002
    cmp rax, rbx
    CHECK e, 1
    mov rax, [rel out + 8]
    mov rbx, 0x0000000300000004
    cmp rax, rbx
    CHECK e, 1
    movapd xmm13, [rel halves]
    addpd xmm13, [rel halves]               ; 0.5 + 0.5, 1.5 + 1.5
    movq rax, xmm13
    mov rbx, 0x3FF0000000000000             ; 1.0
    cmp rax, rbx
    CHECK e, 1
    pextrq rax, xmm13, 1
    mov rbx, 0x4008000000000000             ; 3.0
    cmp rax, rbx
    CHECK e, 1
    PUTS64 `XMM8-15 and RIP-relative operands: PADDQ, PSHUFD, MOVDQU, ADDPD ok\n`

    ; ---- REX.W forms -----------------------------------------------------------------------
    mov r11, 0xFEDCBA9876543210
    movq xmm12, r11
    pinsrq xmm12, r11, 1
    movq r12, xmm12
    cmp r12, r11
    CHECK e, 2
    pextrq r13, xmm12, 1
    cmp r13, r11
    CHECK e, 2
    mov r14, (1 << 53) + 1                  ; rounds to even: 2^53
    cvtsi2sd xmm14, r14
    movq rax, xmm14
    mov rbx, 0x4340000000000000
    cmp rax, rbx
    CHECK e, 2
    stmxcsr [rel csr]
    test byte [rel csr], 0x20               ; PE
    CHECK nz, 2
    cvttsd2si r15, xmm14
    mov rbx, 1 << 53
    cmp r15, rbx
    CHECK e, 2
    PUTS64 `REX.W: MOVQ r64, PINSRQ/PEXTRQ, CVTSI2SD r64 (inexact), CVTTSD2SI r64 ok\n`

    ; ---- the FXSAVE64 image ----------------------------------------------------------------
    mov rbx, UPPER + operand
    mov rax, UPPER + x87_code
    call rax                                ; FLD from the upper half: FIP, FDP there
    mov rax, UPPER + x87_code
    fxsave64 [rel image]
    cmp [rel image + 8], rax
    CHECK e, 3
    cmp [rel image + 16], rbx
    CHECK e, 3
    stmxcsr [rel csr]
    mov eax, [rel csr]
    cmp [rel image + 24], eax
    CHECK e, 3
    mov rax, [rel image + 160 + 8 * 16]     ; XMM8
    cmp rax, [rel ones]
    CHECK e, 3
    mov rax, [rel image + 160 + 14 * 16]    ; XMM14
    movq rbx, xmm14
    cmp rax, rbx
    CHECK e, 3
    mov rax, [rel image + 32]               ; ST0: 1.5 as an 80-bit significand
    mov rbx, 0xC000000000000000
    cmp rax, rbx
    CHECK e, 3
    PUTS64 `FXSAVE64: 64-bit FIP and FDP, MXCSR, ST0, XMM8-15 ok\n`

    fxsave [rel image32]
    mov eax, x87_code                       ; the low half of UPPER + x87_code
    cmp [rel image32 + 8], eax
    CHECK e, 4
    cmp word [rel image32 + 12], KCODE
    CHECK e, 4
    mov eax, operand
    cmp [rel image32 + 16], eax
    CHECK e, 4
    cmp word [rel image32 + 20], KDATA
    CHECK e, 4
    mov rax, [rel image32 + 160 + 15 * 16]  ; XMM15 without REX.W too
    movq rbx, xmm15
    cmp rax, rbx
    CHECK e, 4
    PUTS64 `FXSAVE in 64-bit mode: 32-bit FIP/FDP with FCS/FDS, XMM0-15 ok\n`

    mov rax, 0x0000123456789ABC
    mov [rel image + 8], rax
    mov rax, 0x5A5A5A5A5A5A5A5A
    mov [rel image + 160 + 9 * 16], rax
    fxrstor64 [rel image]
    movq rbx, xmm9
    cmp rbx, rax
    CHECK e, 5
    fxsave64 [rel image2]
    mov rax, 0x0000123456789ABC
    cmp [rel image2 + 8], rax
    CHECK e, 5
    PUTS64 `FXRSTOR64: 64-bit FIP and XMM9 loaded ok\n`

    xor ecx, ecx
    mov eax, 3                              ; XCR0: x87, SSE
    xor edx, edx
    xsetbv
    mov eax, 3
    xor edx, edx
    xsave64 [rel xarea]
    mov rax, 0x0000123456789ABC
    cmp [rel xarea + 8], rax
    CHECK e, 6
    cmp qword [rel xarea + 512], 3          ; XSTATE_BV
    CHECK e, 6
    mov rax, [rel xarea + 160 + 9 * 16]
    movq rbx, xmm9
    cmp rax, rbx
    CHECK e, 6
    PUTS64 `XSAVE64: the FXSAVE64 layout, XSTATE_BV 3 ok\n`
    PASS

x87_code:
    fld qword [rbx]
    ret

    align 16
ones:       dq 0x0000000100000001, 0x0000000100000001
counts:     dq 0x0000000200000003, 0x0000000000000001
halves:     dq 0x3FE0000000000000, 0x3FF8000000000000    ; 0.5, 1.5
operand:    dq 0x3FF8000000000000                        ; 1.5

    LONG_HANDLERS
    LONG_DATA
alignb 64
image:  resb 512
image32: resb 512
image2: resb 512
xarea:  resb 576
out:    resb 16
csr:    resd 1
bss_end:
