; The x86-64 model (-cpu max) as far as it goes: CPUID leaves (vendor, signature and features,
; one CPU's topology, leaf 4 caches, extended leaves, brand string, address sizes) and MSRs
; (MISC_ENABLE, FEATURE_CONTROL, EFER, MTRRs, PAT, APIC_BASE, absent ones). docs/cpu-models.md has the table.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/cpuid_msr.inc"

; Leaf 1 EDX: FPU DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT CLFSH MMX FXSR SSE SSE2.
%define FEATURES_EDX 0x0789BB7D
%define FEATURES_ECX 0x05B82201   ; SSE3 (bit 0), SSSE3 9, CX16 13, SSE4.1 19, SSE4.2 20, x2APIC 21, POPCNT 23, TSC-deadline 24, XSAVE 26

; CANONICAL_MSRS first, count: each MSR takes a canonical address and keeps it when a
; non-canonical write raises #GP(0).
%macro CANONICAL_MSRS 2
%assign msr %1
%rep %2
    WRMSR_ msr, 0xFFFF8000, 0x1000           ; canonical
    RDMSR_IS msr, 0xFFFF8000, 0x1000, 14
    mov ecx, msr
    mov edx, 0x8000                          ; bit 47 without bits 63:48
    xor eax, eax
    TRY wrmsr
    EXPECT_FAULT 13, 0, 14
    RDMSR_IS msr, 0xFFFF8000, 0x1000, 14
%assign msr msr + 1
%endrep
%endmacro

start:
    PM_INIT

    CPUID_IS 0, 0, 0x16, 'Genu', 'ntel', 'ineI', 1
    PUTS `CPUID 0: max leaf 0x16, GenuineIntel ok\n`
    CPUID_IS 1, 0, 0x6FB, 0x00010800, FEATURES_ECX, FEATURES_EDX, 2
    PUTS `CPUID 1: 0x6FB, one logical processor, 64-byte CLFLUSH lines, FPU DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT CLFSH MMX FXSR SSE SSE2, SSE3 SSSE3 CX16 SSE4.1 SSE4.2 x2APIC POPCNT TSC-deadline XSAVE ok\n`
    CPUID_IS 2, 0, 0x0000FF01, 0, 0, 0, 3
    CPUID_IS 4, 0, 0x121, 0x01C0003F, 63, 0, 3
    CPUID_IS 4, 1, 0x122, 0x01C0003F, 63, 0, 3
    CPUID_IS 4, 2, 0x143, 0x01C0003F, 4095, 0, 3
    CPUID_IS 4, 3, 0, 0, 0, 0, 3
    PUTS `CPUID 2, 4: caches in leaf 4 (32K L1D, 32K L1I, 2M L2), no sharing ok\n`
    CPUID_IS 3, 0, 0, 0, 0, 0, 4
    CPUID_IS 7, 0, 0, 0, 0, 0, 4
    CPUID_IS 0xB, 0, 0, 0, 0, 0, 4          ; not listed: zeros
    CPUID_IS 0xD, 0, 3, 576, 576, 0, 4      ; XCR0 may hold x87 and SSE: 576 bytes
    CPUID_IS 0xD, 1, 0, 0, 0, 0, 4          ; no XSAVEOPT, XSAVEC, XSAVES
    PUTS `CPUID 3, 7, 0xB: zeros; 0xD: x87 and SSE, 576 bytes ok\n`
    CPUID_IS 0x15, 0, 1, 1, 1000000000, 0, 4
    CPUID_IS 0x16, 0, 1000, 1000, 1000, 0, 4
    CPUID_IS 0x40000000, 0, 1000, 1000, 1000, 0, 4   ; past the last leaf: leaf 0x16's data (no hypervisor)
    PUTS `CPUID 0x15, 0x16: TSC and APIC timer at 1 GHz (1/1 of a 1 GHz crystal), 1000 MHz; 0x40000000: leaf 0x16 ok\n`
    CPUID_IS 0x80000000, 0, 0x80000008, 0, 0, 0, 5
    CPUID_IS 0x80000001, 0, 0, 0, 1, 0x2C100800, 5   ; LAHF_LM; SYSCALL, NX, PDPE1GB, RDTSCP, LM
    CPUID_IS 0x80000006, 0, 0, 0, 0x08006040, 0, 5
    CPUID_IS 0x80000008, 0, 0x3028, 0, 0, 0, 5
    PUTS `CPUID 0x80000000-8: extended leaves, 40 physical and 48 linear address bits ok\n`
    mov edi, brand
    mov esi, 0x80000002
.brand:
    mov eax, esi
    cpuid
    stosd
    mov eax, ebx
    stosd
    mov eax, ecx
    stosd
    mov eax, edx
    stosd
    inc esi
    cmp esi, 0x80000004
    jbe .brand
    mov esi, brand
    mov edi, brand_want
    mov ecx, 48
    repe cmpsb
    CHECK e, 6
    PUTS `CPUID 0x80000002-4: brand string ok\n`

    RDMSR_IS 0x1A0, 0, 0x1801, 7
    WRMSR_ 0x1A0, 0, 0                       ; ignored
    RDMSR_IS 0x1A0, 0, 0x1801, 7
    PUTS `MISC_ENABLE: 0x1801, writes ignored ok\n`
    RDMSR_IS 0x3A, 0, 1, 8
    MSR_GP wrmsr, 0x3A, 8
    PUTS `FEATURE_CONTROL: locked ok\n`
    RDMSR_IS 0xC0000080, 0, 0, 9
    mov ecx, 0xC0000080
    xor edx, edx
    xor eax, eax
    TRY wrmsr
    EXPECT_NO_FAULT 9
    WRMSR_ 0xC0000080, 0, 0x801              ; SCE, NXE
    RDMSR_IS 0xC0000080, 0, 0x801, 9
    mov ecx, 0xC0000080
    xor edx, edx
    mov eax, 0x200                           ; bit 9 is reserved
    TRY wrmsr
    EXPECT_FAULT 13, 0, 9
    WRMSR_ 0xC0000080, 0, 0x901              ; SCE, LME, NXE
    RDMSR_IS 0xC0000080, 0, 0x901, 9
    WRMSR_ 0xC0000080, 0, 0
    PUTS `EFER: reads 0, SCE LME NXE writable ok\n`
    RDMSR_IS 0xFE, 0, 0x508, 10
    RDMSR_IS 0x2FF, 0, 0, 10
    WRMSR_ 0x2FF, 0, 0xC06
    RDMSR_IS 0x2FF, 0, 0xC06, 10
    mov ecx, 0x2FF
    xor edx, edx
    mov eax, 0xC02                           ; type 2 is reserved
    TRY wrmsr
    EXPECT_FAULT 13, 0, 10
    WRMSR_ 0x20F, 0xFF, 0xF0000800           ; PHYSMASK7: 40 address bits
    RDMSR_IS 0x20F, 0xFF, 0xF0000800, 10
    mov ecx, 0x20F
    mov edx, 0x100                           ; bit 40: above MAXPHYADDR
    mov eax, 0xF0000800
    TRY wrmsr
    EXPECT_FAULT 13, 0, 10
    WRMSR_ 0x26F, 0x06060606, 0x05040100
    RDMSR_IS 0x26F, 0x06060606, 0x05040100, 10
    PUTS `MTRRs: cap, default type, variable and fixed ranges ok\n`
    RDMSR_IS 0x277, 0x00070406, 0x00070406, 11
    WRMSR_ 0x277, 0x04070506, 0x00070106
    RDMSR_IS 0x277, 0x04070506, 0x00070106, 11
    mov ecx, 0x277
    mov edx, 0x04070506
    mov eax, 0x00070102                      ; type 2 is reserved
    TRY wrmsr
    EXPECT_FAULT 13, 0, 11
    PUTS `PAT: reset value, Linux's value, reserved type #GP(0) ok\n`
    MSR_GP rdmsr, 0x210, 12                  ; past the eight variable MTRRs
    MSR_GP rdmsr, 0xC0000104, 12             ; past TSC_AUX
    PUTS `MTRR 0x210, 0xC0000104: #GP(0) ok\n`
    WRMSR_ 0xC0000081, 0x00230010, 0x12345678     ; STAR: every bit
    RDMSR_IS 0xC0000081, 0x00230010, 0x12345678, 14
    CANONICAL_MSRS 0xC0000082, 2                   ; LSTAR, CSTAR
    PUTS `STAR; LSTAR, CSTAR: non-canonical #GP(0) ok\n`
    CANONICAL_MSRS 0xC0000100, 3                   ; FS_BASE, GS_BASE, KERNEL_GS_BASE
    PUTS `FS_BASE, GS_BASE, KERNEL_GS_BASE: non-canonical #GP(0) ok\n`
    mov dword [0x8000], 0x600DF00D
    WRMSR_ 0xC0000100, 0, 0x8000             ; FS_BASE is the FS base
    cmp dword [fs:0], 0x600DF00D
    CHECK e, 15
    mov ax, ds
    mov gs, ax                               ; a segment load writes the base
    RDMSR_IS 0xC0000101, 0, 0, 15
    mov ax, ds
    mov fs, ax
    PUTS `FS_BASE, GS_BASE: the segment bases ok\n`
%assign msr 0xC0000084                       ; FMASK, TSC_AUX: 32 bits
%rep 2
    WRMSR_ msr, 0, 0x47700
    mov ecx, msr
    mov edx, 1
    xor eax, eax
    TRY wrmsr
    EXPECT_FAULT 13, 0, 12
    RDMSR_IS msr, 0, 0x47700, 12
%assign msr 0xC0000103
%endrep
    mov ecx, 0x5555
    rdtscp
    cmp ecx, 0x47700
    CHECK e, 12
    mov esi, eax
    mov edi, edx
    rdtsc
    sub eax, esi
    sbb edx, edi
    CHECK z, 12                              ; RDTSC after it: at most 2^32 ticks later
    cmp eax, 100
    CHECK b, 12
    PUTS `FMASK, TSC_AUX: bits 63:32 reserved; RDTSCP: TSC and TSC_AUX ok\n`
    RDMSR_IS 0x1B, 0, 0xFEE00900, 13         ; APIC_BASE: enabled BSP at 0xFEE00000
    PUTS `APIC_BASE: 0xFEE00900 ok\n`
    PASS

brand_want: db "jitpc x86-64 CPU (max)"
    times 48 - ($ - brand_want) db 0

    PM_CODE
    PM_DATA
    PM_BSS
brand: resb 48
bss_end:
