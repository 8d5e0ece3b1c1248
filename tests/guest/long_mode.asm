; Long mode (run with -cpu max): IA-32e activation by CR0.PG with EFER.LME and its #GP checks
; (without PAE; EFER.LME changed under paging), compatibility mode, 64-bit code through a far
; jump (REX registers and byte registers, imm64, moffs64, RIP-relative operands, 32-bit writes
; zero-extending, 128-bit MUL/DIV, 6-bit shift counts, string ops on RSI/RDI/RCX, the stack and
; near branches at 64 bits, MOVSXD, CDQE/CQO), 4-level paging through the upper half, and the
; way back: a far jump to compatibility mode, CR0.PG cleared, EFER.LMA clear again.
; No 64-bit IDT exists yet, so nothing here faults in IA-32e mode.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/cpuid_msr.inc"

%define EFER    0xC0000080
%define LME     0x100
%define LMA     0x400
%define SEL_CODE64 0x38
%define HIGH    0xFFFF800000000000  ; mapped to physical 2 MiB

; PUTS for 64-bit code (PUTS pushes 32-bit registers, which 64-bit mode cannot).
%macro PUTS64 1
    jmp %%after
%%text: db %1
%%end:
%%after:
    push rsi
    push rcx
    push rax
    lea rsi, [rel %%text]
    mov ecx, %%end - %%text
%%loop:
    mov al, [rsi]
    out 0xE9, al
    inc rsi
    dec ecx
    jnz %%loop
    pop rax
    pop rcx
    pop rsi
%endmacro

start:
    PM_INIT
    mov dword [gdt + SEL_CODE64], 0x0000FFFF
    mov dword [gdt + SEL_CODE64 + 4], 0x00AF9A00   ; L = 1, D = 0
    ; 4-level tables: 0-16 MiB identity by 2 MiB pages, HIGH to physical 2 MiB.
    mov edi, pml4
    xor eax, eax
    mov ecx, 5 * 1024
    rep stosd
    mov dword [pml4], pdpt + 7
    mov dword [pml4 + 256 * 8], pdpt_hi + 7
    mov dword [pdpt], pd_lo + 7
    mov dword [pdpt_hi], pd_hi + 7
    mov dword [pd_hi], 0x200000 | 0x87
    xor ecx, ecx
.identity:
    mov eax, ecx
    shl eax, 21
    or eax, 0x87
    mov [pd_lo + ecx * 8], eax
    inc ecx
    cmp ecx, 8
    jne .identity

    ; EFER.LME with paging but without PAE: #GP(0), paging stays off.
    WRMSR_ EFER, 0, LME
    mov eax, pml4
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    TRY mov cr0, eax
    EXPECT_FAULT 13, 0, 1
    mov eax, cr0
    test eax, eax
    CHECK ns, 1
    RDMSR_IS EFER, 0, LME, 1
    PUTS `activation without CR4.PAE: #GP(0) ok\n`

    ; EFER.LME may not change while (legacy PAE) paging is on.
    WRMSR_ EFER, 0, 0
    mov dword [pdpt_legacy], pd_lo + 1
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, pdpt_legacy
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    mov ecx, EFER
    xor edx, edx
    mov eax, LME
    TRY wrmsr
    EXPECT_FAULT 13, 0, 2
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    PUTS `EFER.LME changed under paging: #GP(0) ok\n`

    ; Activation: compatibility mode, EFER.LMA set.
    mov eax, pml4
    mov cr3, eax
    WRMSR_ EFER, 0, LME
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    RDMSR_IS EFER, 0, LME | LMA, 3
    xor eax, eax
    db 0x40                                 ; INC EAX here, a REX prefix in 64-bit mode
    cmp eax, 1
    CHECK e, 3
    PUTS `IA-32e mode active, compatibility mode runs 32-bit code ok\n`
    jmp SEL_CODE64:long64

bits 64
long64:
    ; REX and the byte registers, imm64, zero-extending 32-bit writes.
    mov rax, 0x1122334455667788
    mov r15, rax
    shr r15, 32
    cmp r15d, 0x11223344
    CHECK e, 4
    mov r8, -1
    mov r8d, 5
    cmp r8, 5
    CHECK e, 4
    mov rsi, 0x0102030405060708
    mov dil, sil
    mov r9b, dil
    movzx r10, r9b
    cmp r10, 8
    CHECK e, 4
    mov ah, 0x99                            ; no REX: AH
    cmp eax, 0x55669988
    CHECK e, 4
    PUTS64 `64-bit mode: REX registers, imm64, 32-bit writes zero-extend ok\n`

    ; RIP-relative and moffs64 operands.
    mov rax, 0x7766554433221100
    mov [rel qvar], rax
    mov rbx, [rel qvar]
    cmp rbx, [rel qvar]
    CHECK e, 5
    mov rax, [qword qvar]                   ; moffs64
    cmp rax, rbx
    CHECK e, 5
    mov eax, 0x1234
    mov [qword qvar], rax                   ; moffs64
    cmp qword [rel qvar], 0x1234
    CHECK e, 5
    lea rdx, [rel long64]
    mov rcx, long64
    cmp rdx, rcx
    CHECK e, 5
    PUTS64 `RIP-relative and moffs64 operands ok\n`

    ; 128-bit products and dividends, 64-bit shifts, sign extensions.
    mov rax, -1
    mov rcx, 3
    mul rcx                                 ; 0x2:FFFFFFFFFFFFFFFD
    CHECK c, 6
    cmp rdx, 2
    CHECK e, 6
    mov rcx, -3
    cmp rax, rcx
    CHECK e, 6
    mov rax, -7
    cqo
    mov rcx, 2
    idiv rcx                                ; -3 remainder -1
    cmp rax, -3
    CHECK e, 6
    cmp rdx, -1
    CHECK e, 6
    mov rax, 1
    mov cl, 63
    shl rax, cl
    bt rax, 63
    CHECK c, 6
    mov rbx, 0x8000000000000000
    cmp rax, rbx
    CHECK e, 6
    mov eax, -5
    movsxd rax, eax
    cmp rax, -5
    CHECK e, 6
    mov eax, 0x80000000
    cdqe
    shr rax, 32
    cmp eax, 0xFFFFFFFF
    CHECK e, 6
    mov rax, 0x0102030405060708
    bswap rax
    mov rbx, 0x0807060504030201
    cmp rax, rbx
    CHECK e, 6
    PUTS64 `128-bit MUL/IDIV, 64-bit shifts, MOVSXD, CDQE, BSWAP ok\n`

    ; The stack and near branches at 64 bits; 4-level paging through the upper half.
    mov r12, rsp
    mov rsp, HIGH + 0x1000
    push -2                                 ; sign-extended to 64 bits
    call .sub
    pop rax
    cmp rax, -2
    CHECK e, 7
    mov rbx, HIGH + 0x1000
    cmp rsp, rbx
    CHECK e, 7
    mov rax, [0x200FF8]
    cmp rax, -2
    CHECK e, 7
    mov rsp, r12
    jmp .stacked
.sub:
    mov rax, [rsp + 8]
    cmp rax, -2
    CHECK e, 7
    ret
.stacked:
    PUTS64 `64-bit stack, CALL/RET, upper-half 4-level mapping ok\n`

    ; String instructions on RSI/RDI/RCX, LOOP on RCX.
    lea rsi, [rel src]
    mov rdi, HIGH + 0x100
    mov rcx, 4
    cld
    rep movsq
    test rcx, rcx
    CHECK z, 8
    mov rdi, HIGH + 0x100
    lea rsi, [rel src]
    mov ecx, 4
    repe cmpsq
    CHECK e, 8
    mov rcx, 3
    xor eax, eax
.count:
    inc eax
    loop .count
    cmp eax, 3
    CHECK e, 8
    mov rcx, 0x100000000
    jrcxz .bad
    PUTS64 `REP MOVSQ, REPE CMPSQ, LOOP and JRCXZ on RCX ok\n`

    ; Back to compatibility mode by a far jump through a 32-bit pointer.
    jmp far dword [rel to_compat]
.bad:
    FAIL 8

bits 32
compat:
    xor eax, eax
    db 0x40                                 ; INC EAX again
    cmp eax, 1
    CHECK e, 9
    ; Leaving IA-32e mode: paging off clears EFER.LMA.
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    RDMSR_IS EFER, 0, LME, 9
    WRMSR_ EFER, 0, 0
    mov eax, cr4
    and eax, ~0x20
    mov cr4, eax
    PUTS `back in protected mode, EFER.LMA clear ok\n`
    PASS

align 8
to_compat:
    dd compat
    dw SEL_CODE0
src:
    dq 1, 2, 3, 4
qvar:
    dq 0

    PM_CODE
    PM_DATA
    PM_BSS
alignb 4096
pml4: resb 4096
pdpt: resb 4096
pdpt_hi: resb 4096
pd_lo: resb 4096
pd_hi: resb 4096
pdpt_legacy: resq 4
bss_end:
