; The P6 model (-cpu pentium2): CPUID leaves 0-2, RDMSR/WRMSR (TSC, BIOS_SIGN_ID, SYSENTER MSRs,
; unknown MSRs and those of later models, CPL 3), RDTSC and CR4.TSD, reserved CR4 bits,
; SYSENTER/SYSEXIT, SSE2 encodings #UD.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/cpuid_msr.inc"

%define MSR_TSC 0x10
%define MSR_SIGN 0x8B
%define MSR_SYSENTER_CS 0x174
%define MSR_SYSENTER_ESP 0x175
%define MSR_SYSENTER_EIP 0x176
%define CR4_TSD 4

start:
    PM_INIT

    xor eax, eax
    cpuid
    REGS_ARE 2, 'Genu', 'ntel', 'ineI', 1
    PUTS `CPUID 0: max leaf 2, GenuineIntel ok\n`
    mov eax, 1
    cpuid
    REGS_ARE 0x633, 0, 0, 0xA93D, 2
    PUTS `CPUID 1: 0x633, FPU DE PSE TSC MSR CX8 SEP PGE CMOV only ok\n`
    mov eax, 2
    cpuid
    REGS_ARE 0x03020101, 0, 0, 0x0C040843, 3
    PUTS `CPUID 2: one iteration of cache and TLB descriptors ok\n`
    mov eax, 0x80000000
    cpuid
    REGS_ARE 0x03020101, 0, 0, 0x0C040843, 15
    PUTS `CPUID 0x80000000: past the highest leaf, leaf 2's data ok\n`

    WRMSR_ MSR_TSC, 5, 0x1000
    rdtsc
    cmp edx, 0
    CHECK e, 4
    cmp eax, 0x1000
    CHECK ae, 4
    cmp eax, 0x1100
    CHECK b, 4
    mov ebx, eax
    rdtsc
    cmp eax, ebx
    CHECK a, 4
    mov ebx, eax
    mov ecx, MSR_TSC
    rdmsr
    cmp edx, 0
    CHECK e, 4
    cmp eax, ebx
    CHECK a, 4
    PUTS `WRMSR TSC: RDTSC reads it back, high half cleared, advancing ok\n`
    RDMSR_IS MSR_SIGN, 1, 0, 5
    PUTS `RDMSR 0x8B: microcode revision ok\n`
    WRMSR_ MSR_SYSENTER_CS, 0, 0x1234
    WRMSR_ MSR_SYSENTER_ESP, 0, 0x89ABCDEF
    WRMSR_ MSR_SYSENTER_EIP, 0, 0x13579BDF
    RDMSR_IS MSR_SYSENTER_CS, 0, 0x1234, 6
    RDMSR_IS MSR_SYSENTER_ESP, 0, 0x89ABCDEF, 6
    RDMSR_IS MSR_SYSENTER_EIP, 0, 0x13579BDF, 6
    PUTS `SYSENTER_CS/ESP/EIP round trip ok\n`
    mov ecx, 0x1234
    TRY rdmsr
    EXPECT_FAULT 13, 0, 7
    TRY wrmsr
    EXPECT_FAULT 13, 0, 7
    PUTS `unknown MSR: #GP(0) ok\n`
    MSR_GP rdmsr, 0xC0000080, 16    ; EFER
    MSR_GP wrmsr, 0xC0000080, 16
    MSR_GP rdmsr, 0x1A0, 16         ; MISC_ENABLE
    MSR_GP rdmsr, 0xFE, 16          ; MTRRcap
    MSR_GP wrmsr, 0x2FF, 16         ; MTRR_DEF_TYPE
    MSR_GP rdmsr, 0x277, 16         ; PAT
    PUTS `EFER, MISC_ENABLE, MTRRs, PAT: #GP(0) ok\n`
    mov esi, movs_src
    mov edi, movs_dst
    TRY db 0xF2, 0x0F, 0x10, 0xC1   ; movsd xmm0, xmm1 (SSE2), not a string MOVSD
    EXPECT_FAULT 6, 0, 17
    TRY db 0xF2, 0x0F, 0xC2, 0xC1, 0 ; cmpeqsd xmm0, xmm1 (SSE2), not a string CMPSD
    EXPECT_FAULT 6, 0, 17
    cmp esi, movs_src
    CHECK e, 17
    cmp edi, movs_dst
    CHECK e, 17
    PUTS `SSE2 MOVSD, CMPSD: #UD ok\n`
    RING3 u_rdmsr
    EXPECT_FAULT 13, 0, 8
    RING3 u_wrmsr
    EXPECT_FAULT 13, 0, 8
    RDMSR_IS MSR_SYSENTER_ESP, 0, 0x89ABCDEF, 8
    PUTS `RDMSR, WRMSR at CPL 3: #GP(0), nothing written ok\n`

    RING3 u_rdtsc
    EXPECT_FAULT VEC_BACK, 0, 9
    cmp dword [u_tsc], 0
    CHECK ne, 9
    PUTS `RDTSC at CPL 3 with TSD=0 ok\n`
    mov eax, cr4
    or eax, CR4_TSD
    mov cr4, eax
    mov dword [u_tsc], 0
    RING3 u_rdtsc
    EXPECT_FAULT 13, 0, 10
    cmp dword [u_tsc], 0
    CHECK e, 10
    TRY rdtsc
    EXPECT_NO_FAULT 10
    PUTS `CR4.TSD=1: RDTSC #GP(0) at CPL 3, allowed at CPL 0 ok\n`

    mov ebx, cr4
    mov eax, ebx
    or eax, 1 << 5
    TRY mov cr4, eax
    EXPECT_FAULT 13, 0, 11
    mov eax, ebx
    or eax, 1 << 9
    TRY mov cr4, eax
    EXPECT_FAULT 13, 0, 11
    mov eax, cr4
    cmp eax, ebx
    CHECK e, 11
    PUTS `CR4 PAE or OSFXSR: #GP(0), CR4 unchanged ok\n`

    WRMSR_ MSR_SYSENTER_CS, 0, SEL_CODE0
    WRMSR_ MSR_SYSENTER_ESP, 0, stack2_top
    WRMSR_ MSR_SYSENTER_EIP, 0, sysenter_target
    mov dword [u_eflags], 0x202     ; IF=1 is safe: the multiboot machine has no PIC
    RING3 u_sysenter
    mov dword [u_eflags], 2
    EXPECT_FAULT VEC_BACK, 0, 12
    cmp word [k_cs], SEL_CODE0
    CHECK e, 12
    cmp word [k_ss], SEL_DATA0
    CHECK e, 12
    cmp dword [k_esp], stack2_top
    CHECK e, 12
    test dword [k_eflags], 0x200
    CHECK z, 12
    PUTS `SYSENTER: CS, SS from SYSENTER_CS, ESP, EIP from the MSRs, IF cleared ok\n`
    cmp word [u_cs], SEL_CODE3
    CHECK e, 13
    cmp word [u_ss], SEL_DATA3
    CHECK e, 13
    cmp dword [u_esp], user_stack_top - 64
    CHECK e, 13
    PUTS `SYSEXIT: CS SYSENTER_CS+16|3, SS +24|3, EIP=EDX, ESP=ECX ok\n`
    WRMSR_ MSR_SYSENTER_CS, 0, 0
    RING3 u_sysenter
    EXPECT_FAULT 13, 0, 14
    PUTS `SYSENTER with SYSENTER_CS=0: #GP(0) ok\n`
    PASS

u_rdmsr:
    mov ecx, MSR_TSC
    rdmsr
    int VEC_BACK
u_wrmsr:
    mov ecx, MSR_SYSENTER_ESP
    xor edx, edx
    xor eax, eax
    wrmsr
    int VEC_BACK
u_rdtsc:
    rdtsc
    mov [u_tsc], eax
    int VEC_BACK
u_sysenter:
    sysenter
    int VEC_BACK            ; not reached
sysenter_target:
    mov [k_cs], cs
    mov [k_ss], ss
    mov [k_esp], esp
    pushfd
    pop dword [k_eflags]
    mov edx, sysexit_target
    mov ecx, user_stack_top - 64
    sysexit
sysexit_target:
    mov [u_cs], cs
    mov [u_ss], ss
    mov [u_esp], esp
    int VEC_BACK

    PM_CODE
    PM_DATA
    PM_BSS
u_tsc: resd 1
movs_src: resd 1
movs_dst: resd 1
k_cs: resd 1
k_ss: resd 1
k_esp: resd 1
k_eflags: resd 1
u_cs: resd 1
u_ss: resd 1
u_esp: resd 1
alignb 16
    resb 4096
stack2_top:
bss_end:
