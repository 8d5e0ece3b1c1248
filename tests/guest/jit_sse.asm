; SSE in hot translated code (run with -cpu max, under both engines): a kernel of moves, packed
; and scalar floating point, compares and integer SIMD over arrays, run often enough to be
; translated, under each rounding mode and with DAZ and FTZ, printing a checksum of its results
; and MXCSR's sticky flags per mode; then the same translated kernel with CR0.TS set (#NM at
; its first SSE instruction, retried after CLTS), with the precision exception unmasked (#XM at
; its first inexact operation, retried masked), and a hot MOVAPS whose operand becomes
; misaligned (#GP(0) at it). Both engines must print the same, and take the faults at the same
; instructions.
%include "lib/multiboot.inc"
%include "lib/flat.inc"

%define CR0_TS 0x08
%define N 32                        ; 16-byte elements per array

; RUN_MODE mxcsr: the kernel 20 times under that MXCSR; prints the checksum and MXCSR after.
%macro RUN_MODE 1
    mov dword [csr], %1
    ldmxcsr [csr]
    xor ebp, ebp
    mov ebx, 20
%%again:
    call kernel
    dec ebx
    jnz %%again
    mov eax, ebp
    call put_hex
    stmxcsr [csr]
    mov eax, [csr]
    call put_hex
    PUTS `\n`
%endmacro

start:
    mov esp, stack_top
    cld
    FLAT_INIT
    FLAT_GATE 7, nm_handler
    FLAT_GATE 13, gp_handler
    FLAT_GATE 19, xm_handler
    mov eax, cr4
    or eax, 0x600                           ; OSFXSR, OSXMMEXCPT
    mov cr4, eax
    ; Arrays: A and B singles from an integer sequence (some tiny, some huge), C doubles.
    xor ecx, ecx
.fill:
    mov eax, ecx
    imul eax, 2654435761
    mov edx, eax
    and edx, 0x807FFFFF
    or edx, 0x3F000000
    test ecx, 7
    jnz .normal
    and edx, 0x807FFFFF                     ; every eighth a denormal
.normal:
    mov [arr_a + 4 * ecx], edx
    ror eax, 7
    and eax, 0x8FFFFFFF
    or eax, 0x40000000
    mov [arr_b + 4 * ecx], eax
    cvtsi2sd xmm0, ecx
    movsd [arr_c + 8 * ecx], xmm0
    inc ecx
    cmp ecx, 4 * N
    jne .fill

    RUN_MODE 0x1F80                         ; to nearest
    RUN_MODE 0x3F80                         ; down
    RUN_MODE 0x5F80                         ; up
    RUN_MODE 0x7F80                         ; toward zero
    RUN_MODE 0x9FC0                         ; FTZ, DAZ
    RUN_MODE 0x1FBF                         ; sticky flags set on entry

    ; #NM from translated code: TS set, the kernel faults at its first SSE instruction.
    mov dword [csr], 0x1F80
    ldmxcsr [csr]
    mov eax, cr0
    or eax, CR0_TS
    mov cr0, eax
    xor ebp, ebp
    call kernel
    cmp dword [got_vec], 7
    CHECK e, 1
    cmp dword [fault_eip], kernel.first_sse
    CHECK e, 1
    mov eax, ebp
    call put_hex
    PUTS `#NM at the kernel's first SSE instruction, retried after CLTS\n`

    ; #XM from translated code: precision unmasked, the first inexact operation faults.
    mov dword [got_vec], 0
    mov dword [csr], 0x0F80
    ldmxcsr [csr]
    xor ebp, ebp
    call kernel
    cmp dword [got_vec], 19
    CHECK e, 2
    mov eax, [fault_eip]
    sub eax, kernel
    call put_hex
    mov eax, ebp
    call put_hex
    PUTS `#XM with PE unmasked, retried masked\n`

    ; #GP(0) from a translated MOVAPS whose operand becomes misaligned.
    mov dword [got_vec], 0
    mov ebx, 40
    mov esi, arr_a
.aligned:
    cmp ebx, 1
    jne .load
    inc esi                                 ; the last time through: off a 16-byte boundary
.load:
    mov dword [resume], .loaded
.movaps:
    movaps xmm3, [esi]
.loaded:
    dec ebx
    jnz .aligned
    cmp dword [got_vec], 13
    CHECK e, 3
    cmp dword [fault_eip], .movaps
    CHECK e, 3
    PUTS `#GP(0) at a hot MOVAPS off a 16-byte boundary\n`
    PASS

; kernel: folds the arrays into EBP through SSE. Clobbers eax, ecx, edx, esi, xmm0-7.
kernel:
    xor esi, esi
.first_sse:
    xorps xmm7, xmm7
.loop:
    movaps xmm0, [arr_a + esi]
    movups xmm1, [arr_b + esi]
    addps xmm0, xmm1
    mulps xmm1, xmm0
    subps xmm1, [arr_a + esi]
    divps xmm0, xmm1
    sqrtps xmm2, xmm1
    minps xmm2, xmm0
    maxps xmm2, [arr_b + esi]
    addss xmm2, xmm0
    mulss xmm2, [arr_a + esi + 4]
    movaps [arr_d + esi], xmm2
    movapd xmm4, [arr_c + esi]
    addpd xmm4, [arr_c + esi + 16]
    mulsd xmm4, xmm4
    divsd xmm4, [arr_c + esi + 8]
    sqrtpd xmm5, xmm4
    movdqu xmm6, [arr_d + esi]
    pxor xmm6, xmm5
    paddd xmm7, xmm6
    pcmpeqb xmm6, xmm2
    pmovmskb eax, xmm6
    add ebp, eax
    comiss xmm2, xmm0
    setb al
    movzx eax, al
    add ebp, eax
    ucomisd xmm4, xmm5
    setp al
    movzx eax, al
    add ebp, eax
    add esi, 16
    cmp esi, 16 * N
    jne .loop
    pshufd xmm6, xmm7, 0x4E
    paddd xmm7, xmm6
    movd [out], xmm7
    add ebp, [out]
    ret

; put_hex: EAX as eight hex digits and a space on the debug console.
put_hex:
    push ecx
    push edx
    mov ecx, 8
.digit:
    rol eax, 4
    mov edx, eax
    and edx, 15
    mov dl, [hex_digits + edx]
    push eax
    mov al, dl
    out 0xE9, al
    pop eax
    loop .digit
    mov al, ' '
    out 0xE9, al
    pop edx
    pop ecx
    ret

; Handlers: note the vector and EIP, make the instruction succeed and return to it (#GP: resume
; at [resume]).
nm_handler:
    mov dword [got_vec], 7
    push eax
    mov eax, [esp + 4]
    mov [fault_eip], eax
    pop eax
    clts
    iretd
xm_handler:
    mov dword [got_vec], 19
    push eax
    mov eax, [esp + 4]
    mov [fault_eip], eax
    pop eax
    ldmxcsr [csr_masked]
    iretd
gp_handler:
    mov dword [got_vec], 13
    add esp, 4
    push eax
    mov eax, [esp + 4]
    mov [fault_eip], eax
    mov eax, [resume]
    mov [esp + 4], eax
    pop eax
    iretd

FLAT_TABLES
hex_digits: db '0123456789abcdef'
csr_masked: dd 0x1F80

section .bss
alignb 16
arr_a:  resb 16 * N + 16
arr_b:  resb 16 * N + 16
arr_c:  resb 32 * N + 32
arr_d:  resb 16 * N
out:    resd 4
csr:    resd 1
got_vec: resd 1
fault_eip: resd 1
resume: resd 1
FLAT_IDT
alignb 16
        resb 8192
stack_top:
bss_end:
