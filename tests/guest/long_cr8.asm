; CR8 in 64-bit mode (run with -cpu max): MOV to CR8 writes the local APIC's TPR[7:4] (bits
; 3:0 cleared), MOV from CR8 reads TPR[7:4] whatever wrote it, a reserved bit is #GP(0), and the
; priority class it sets holds back a pending interrupt until CR8 drops below the vector's.
; (QEMU 7.2's TCG passes all but the #GP: it ignores CR8's reserved bits.)
%include "lib/multiboot.inc"
%include "lib/long64.inc"
%include "lib/apic.inc"

%define VEC 0x35                            ; priority class 3

start:
    LONG_ENTER
    mov qword [pdpt + 3 * 8], pd_apic + 3   ; 3-4 GiB: the APIC's page, uncached
    mov rax, (APIC & ~0x1FFFFF) | 0x93      ; a 2 MiB page, PCD
    mov [pd_apic + ((APIC >> 21) & 511) * 8], rax
    mov rax, cr3
    mov cr3, rax
    GATE64 13, gp_handler, 0x8E00
    GATE64 VEC, irq_handler, 0x8E00
    mov edi, APIC                           ; (a 32-bit displacement would sign-extend)
    mov dword [rdi + APIC_SVR], 0x1FF       ; software-enabled, spurious vector 0xFF

    mov eax, 0xA
    mov cr8, rax
    cmp dword [rdi + 0x80], 0xA0
    CHECK e, 1
    mov dword [rdi + 0x80], 0x5F
    mov rax, cr8
    cmp rax, 5
    CHECK e, 1
    mov ebx, 0x10
    TRY mov cr8, rbx
    EXPECT_FAULT 13, 0, 1
    mov rax, cr8
    cmp rax, 5
    CHECK e, 1
    PUTS64 `CR8: TPR[7:4] both ways, bits 3:0 of TPR cleared; a reserved bit #GP(0) ok\n`

    mov eax, 3
    mov cr8, rax                            ; class 3 held back
    sti
    mov dword [rdi + APIC_ICR], 0x40000 | VEC     ; self, fixed
    nop
    nop
    cmp byte [taken], 0
    CHECK e, 2
    test dword [rdi + APIC_IRR + (VEC / 32) * 0x10], 1 << (VEC % 32)
    CHECK nz, 2
    mov eax, 2
    mov cr8, rax                            ; now it is taken, right after the MOV
after_cr8:
    cmp byte [taken], 1
    CHECK e, 2
    cmp qword [taken_rip], after_cr8
    CHECK e, 2
    cli
    PUTS64 `CR8 = 3 holds vector 0x35 pending; CR8 = 2 lets it in after the MOV ok\n`
    PASS

irq_handler:
    mov byte [taken], 1
    push rax
    mov rax, [rsp + 8]
    mov [taken_rip], rax
    pop rax
    mov dword [rdi + APIC_EOI], 0
    iretq

    LONG_HANDLERS
    LONG_DATA
alignb 4096
pd_apic: resb 4096
taken:  resb 1
    alignb 8
taken_rip: resq 1
bss_end:
