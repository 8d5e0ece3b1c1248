; IA32_APIC_BASE on -cpu max (paging off): the local APIC's window moves with the base and lies
; over RAM there, which comes back when it moves on; BSP is read-only and reserved bits #GP;
; hardware-disabled, the window is gone, CPUID.1 has no APIC flag and the 8259 reaches the CPU
; even though the APIC had masked LINT0; re-enabled, the APIC is in its power-up state. Then
; x2APIC mode: the CPUID flag, its MSRs (#GP in xAPIC mode), the window gone, the fixed ID and
; derived LDR, #GP for write-only reads, read-only writes, reserved bits and absent registers,
; a SELF IPI, a 64-bit ICR IPI and the timer through MSRs, and the mode transitions the SDM
; allows (and #GP for the others).
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/cpuid_msr.inc"
%include "lib/pic.inc"

%define APIC 0xFEE00000
%define MOVED 0x00F00000          ; 15 MiB: RAM under -m 128M
%define PATTERN 0x12345678
%define EN 0x800
%define BSP 0x100
%define EXTD 0x400

; BASE_IS value, code: IA32_APIC_BASE reads that.
%macro BASE_IS 2
    RDMSR_IS 0x1B, 0, %1, %2
%endmacro
; BASE_GP value, code: writing it raises #GP(0) and changes nothing.
%macro BASE_GP 2
    mov ecx, 0x1B
    xor edx, edx
    mov eax, %1
    TRY wrmsr
    EXPECT_FAULT 13, 0, %2
%endmacro
; X2_GP instr, msr, edx, eax, code: RDMSR or WRMSR of an x2APIC register raises #GP(0).
%macro X2_GP 5
    mov ecx, %2
    mov edx, %3
    mov eax, %4
    TRY %1
    EXPECT_FAULT 13, 0, %5
%endmacro

start:
    PM_INIT
    SETGATE 0x40, timer, 0x8E00
    SETGATE 0x50, ipi, 0x8E00
    SETGATE 0xFF, unexpected, 0x8E00
    IRQ0_GATES irq0, unexpected

    BASE_IS BSP | EN | APIC, 1
    mov dword [MOVED + 0x30], PATTERN
    WRMSR_ 0x1B, 0, EN | MOVED                ; BSP written 0: it stays
    BASE_IS BSP | EN | MOVED, 2
    cmp dword [MOVED + 0x30], 0x01050014      ; the version register over the RAM
    CHECK e, 3
    cmp dword [APIC + 0x30], 0xFFFFFFFF       ; nothing left at the old base
    CHECK e, 3
    BASE_GP EN | MOVED | 1, 4                 ; bit 0 is reserved
    BASE_IS BSP | EN | MOVED, 4
    mov dword [MOVED + 0xF0], 0x1FF           ; SVR: software-enabled
    mov dword [MOVED + 0x300], 0x40000 | 0x50 ; ICR: self, fixed, vector 0x50
    sti
    nop
    cli
    cmp dword [ipis], 1
    CHECK e, 5
    PUTS `IA32_APIC_BASE: the window moves over RAM, self-IPI and EOI there, BSP read-only, reserved bits #GP ok\n`

    ; The enabled APIC holds the 8259 back once LINT0 is masked: no IRQ 0 for a while.
    mov dword [MOVED + 0x350], 0x10700        ; LINT0: ExtINT, masked
    PIC_INIT 0xFE                             ; IRQ 0 only
    mov al, 0x34                              ; PIT channel 0, rate generator, 1000 counts
    out 0x43, al
    mov al, 0xE8
    out 0x40, al
    mov al, 0x03
    out 0x40, al
    sti
    mov ecx, 3000000                          ; about 3 ms: a few PIT periods
.spin:
    loop .spin
    cli
    cmp dword [irq0s], 0
    CHECK e, 6
    WRMSR_ 0x1B, 0, MOVED                     ; hardware-disabled
    BASE_IS BSP | MOVED, 7
    cmp dword [MOVED + 0x30], PATTERN         ; the RAM again
    CHECK e, 7
    mov eax, 1
    cpuid
    test edx, 1 << 9                          ; no APIC flag
    CHECK z, 8
    sti                                       ; the latched IRQ 0 through the pin the APIC
    nop                                       ; no longer guards
    cli
    cmp dword [irq0s], 1
    CHECK e, 9
    mov al, 0xFF
    out 0x21, al
    PUTS `disabled: window gone, RAM back, no CPUID APIC flag, the 8259's INTR passes ok\n`

    WRMSR_ 0x1B, 0, EN | APIC
    BASE_IS BSP | EN | APIC, 10
    cmp dword [APIC + 0xF0], 0xFF             ; SVR of the power-up state
    CHECK e, 10
    cmp dword [APIC + 0x350], 0x700           ; LINT0 virtual wire again
    CHECK e, 10
    cmp dword [MOVED + 0x30], PATTERN
    CHECK e, 10
    mov eax, 1
    cpuid
    test edx, 1 << 9
    CHECK nz, 10
    test ecx, 1 << 21                         ; x2APIC
    CHECK nz, 10
    PUTS `re-enabled: at the default base in its power-up state, CPUID APIC and x2APIC flags ok\n`

    X2_GP rdmsr, 0x803, 0, 0, 11              ; x2APIC registers #GP in xAPIC mode
    BASE_GP EXTD | APIC, 12                   ; EXTD without EN: the invalid state
    WRMSR_ 0x1B, 0, EN | EXTD | APIC          ; xAPIC to x2APIC
    BASE_IS BSP | EN | EXTD | APIC, 13
    mov byte [x2mode], 1
    cmp dword [APIC + 0x30], 0xFFFFFFFF       ; no MMIO in x2APIC mode
    CHECK e, 13
    RDMSR_IS 0x803, 0, 0x01050014, 14         ; version
    RDMSR_IS 0x802, 0, 0, 14                  ; x2APIC ID
    RDMSR_IS 0x80D, 0, 1, 14                  ; LDR: cluster 0, bit 0
    X2_GP wrmsr, 0x802, 0, 0, 15              ; ID: read-only
    X2_GP wrmsr, 0x80D, 0, 1, 15              ; LDR: read-only
    X2_GP rdmsr, 0x80B, 0, 0, 15              ; EOI: write-only
    X2_GP rdmsr, 0x83F, 0, 0, 15              ; SELF IPI: write-only
    X2_GP wrmsr, 0x80B, 0, 1, 16              ; EOI: only 0 is written
    X2_GP wrmsr, 0x808, 0, 0x100, 16          ; TPR: bits 31:8 reserved
    X2_GP wrmsr, 0x808, 1, 0, 16              ; and 63:32
    X2_GP wrmsr, 0x83F, 0, 0x150, 16          ; SELF IPI: bits 31:8 reserved
    X2_GP wrmsr, 0x830, 0, 0x2050, 16         ; ICR: bit 13 reserved
    X2_GP rdmsr, 0x809, 0, 0, 17              ; APR: none in x2APIC mode
    X2_GP rdmsr, 0x80E, 0, 0, 17              ; DFR: none
    X2_GP rdmsr, 0x831, 0, 0, 17              ; the ICR is one 64-bit register
    X2_GP rdmsr, 0x82F, 0, 0, 17              ; LVT CMCI: not in this APIC
    X2_GP rdmsr, 0x800, 0, 0, 17
    PUTS `x2APIC mode: MMIO gone, version, ID 0, LDR 1, #GP for write-only, read-only, reserved and absent ok\n`

    WRMSR_ 0x80F, 0, 0x1FF                    ; SVR: software-enabled
    RDMSR_IS 0x80F, 0, 0x1FF, 18
    WRMSR_ 0x83F, 0, 0x50                     ; SELF IPI with IF=0: pending
    RDMSR_IS 0x822, 0, 1 << 16, 18            ; IRR bit 0x50
    sti
    nop
    cli
    cmp dword [ipis], 2
    CHECK e, 18
    WRMSR_ 0x830, 0, 0x50                     ; ICR: fixed, physical destination x2APIC ID 0
    RDMSR_IS 0x830, 0, 0x50, 19
    sti
    nop
    cli
    cmp dword [ipis], 3
    CHECK e, 19
    WRMSR_ 0x830, 1, 0x850                    ; logical destination 1: cluster 0, bit 0
    sti
    nop
    cli
    cmp dword [ipis], 4
    CHECK e, 19
    WRMSR_ 0x83E, 0, 0xB                      ; timer: divide by 1
    WRMSR_ 0x832, 0, 0x40                     ; one-shot, vector 0x40
    WRMSR_ 0x838, 0, 100000
    sti
    hlt
    cli
    cmp dword [timers], 1
    CHECK e, 20
    RDMSR_IS 0x839, 0, 0, 20                  ; the count ran out
    PUTS `x2APIC mode: SELF IPI, 64-bit ICR physical and logical, timer and EOI through MSRs ok\n`

    BASE_GP EN | APIC, 21                     ; x2APIC to xAPIC
    BASE_IS BSP | EN | EXTD | APIC, 21
    WRMSR_ 0x1B, 0, APIC                      ; x2APIC to disabled
    BASE_IS BSP | APIC, 22
    X2_GP rdmsr, 0x803, 0, 0, 22
    BASE_GP EN | EXTD | APIC, 23              ; disabled to x2APIC
    WRMSR_ 0x1B, 0, EN | APIC                 ; disabled to xAPIC
    cmp dword [APIC + 0x30], 0x01050014
    CHECK e, 24
    PUTS `transitions: x2APIC to xAPIC #GP, x2APIC to disabled, disabled to x2APIC #GP, disabled to xAPIC ok\n`
    PASS

unexpected:
    FAIL 40
ipi:
    inc dword [ipis]
    cmp byte [x2mode], 0
    jne x2apic_eoi
    mov dword [MOVED + 0xB0], 0
    iret
timer:
    inc dword [timers]
x2apic_eoi:
    push eax
    push ecx
    push edx
    WRMSR_ 0x80B, 0, 0
    pop edx
    pop ecx
    pop eax
    iret
irq0:
    inc dword [irq0s]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iret

    PM_CODE
    PM_DATA
    PM_BSS
ipis:   resd 1
timers: resd 1
irq0s:  resd 1
x2mode: resb 1
bss_end:
