; The max model's timers against the virtual clock (run with -cpu max): the ACPI PM timer at
; port 0x608 (3.579545 MHz, 24 bits) and the HPET's main counter (100 MHz) advance with the
; TSC; the HPET in legacy replacement mode interrupts through IRQ 0 of the 8259 (the PIT, left
; running, no longer reaches it) in one-shot and in periodic mode, HLT waking on time; then the
; local APIC timer in TSC-deadline mode (IA32_TSC_DEADLINE) fires at its TSC value.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

%define HPET 0xFED00000
%define APIC 0xFEE00000
%define PM_TMR 0x608
%define T0_CONF (HPET + 0x100)
%define T0_CMP (HPET + 0x108)
%define SPIN 100000

start:
    PM_INIT
    IRQ0_GATES irq0, unexpected
    SETGATE 0x42, deadline, 0x8E00
    ; The PIT at its fastest rate, mode 2: without legacy replacement it would own IRQ 0.
    mov al, 0x34
    out 0x43, al
    mov al, 2
    out 0x40, al
    xor al, al
    out 0x40, al
    PIC_INIT 0xFF                           ; masked for now

    ; PM timer: over SPIN loop turns (a known number of ticks) it counts ticks * 3579545 / 10^9
    ; give or take the one count the floor at each end can lose.
    rdtsc
    mov ebx, eax
    mov dx, PM_TMR
    in eax, dx
    mov esi, eax
    mov ecx, SPIN
.spin1:
    loop .spin1
    rdtsc
    mov edi, eax
    mov dx, PM_TMR
    in eax, dx
    test eax, 0xFF000000                    ; 24 bits
    CHECK z, 1
    sub eax, esi
    and eax, 0xFFFFFF
    mov esi, eax                            ; PM counts
    mov eax, edi
    sub eax, ebx                            ; ticks between the reads (1 ns each)
    mov ecx, 3579545
    mul ecx
    mov ecx, 1000000000
    div ecx                                 ; expected counts
    sub esi, eax
    add esi, 1
    cmp esi, 2
    CHECK be, 1                             ; |counts - expected| <= 1
    PUTS `ACPI PM timer: 3.579545 MHz of the TSC ok\n`

    ; HPET: 3 timers, legacy capable, 10 ns; halted counter written to 0, then enabled.
    cmp dword [HPET], 0x8086A201
    CHECK e, 2
    cmp dword [HPET + 4], 10000000
    CHECK e, 2
    mov dword [HPET + 0x10], 0
    mov dword [HPET + 0xF0], 0
    mov dword [HPET + 0xF4], 0
    rdtsc
    mov ebx, eax
    mov dword [HPET + 0x10], 1              ; ENABLE_CNF
    mov ecx, SPIN
.spin2:
    loop .spin2
    mov esi, [HPET + 0xF0]
    rdtsc
    sub eax, ebx                            ; ticks since the enable, give or take a few
    xor edx, edx
    mov ecx, 10
    div ecx
    sub eax, esi                            ; counter at 100 MHz: within 2 counts
    add eax, 2
    cmp eax, 4
    CHECK be, 3
    cmp dword [HPET + 0xF4], 0
    CHECK e, 3
    PUTS `HPET: 100 MHz main counter of the TSC ok\n`

    ; Legacy replacement: timer 0 one-shot, edge, 100 us ahead, through IRQ 0. The 8259 is
    ; initialised again after the switch, forgetting the PIT's edges from before it.
    mov dword [HPET + 0x10], 3              ; ENABLE_CNF | LEG_RT_CNF
    PIC_INIT 0xFE
    mov dword [T0_CONF], 1 << 2             ; Tn_INT_ENB_CNF, one-shot, edge
    mov eax, [HPET + 0xF0]
    add eax, 10000                          ; 100 us at 10 ns
    mov [T0_CMP], eax
    mov dword [T0_CMP + 4], 0
    rdtsc
    mov [t0], eax
    sti
    hlt
    cli
    rdtsc
    sub eax, [t0]
    cmp eax, 100000 - 100
    CHECK ae, 4
    cmp eax, 100000 + 100
    CHECK be, 4
    cmp dword [ticks], 1
    CHECK e, 4
    PUTS `HPET legacy route: one-shot timer 0 wakes HLT through IRQ 0 after 100 us ok\n`

    ; Periodic as Linux programs it: VAL_SET, the first match, then the period (50 us).
    mov dword [ticks], 0
    mov dword [T0_CONF], (1 << 2) | (1 << 3) | (1 << 6) | (1 << 8)   ; INT_ENB, periodic, VAL_SET, 32-bit
    mov eax, [HPET + 0xF0]
    add eax, 5000
    mov [T0_CMP], eax
    mov dword [T0_CMP], 5000
    rdtsc
    mov [t0], eax
    sti
.periodic:
    hlt
    cmp dword [ticks], 10
    jb .periodic
    cli
    rdtsc
    sub eax, [t0]
    cmp eax, 10 * 50000 - 100
    CHECK ae, 5
    cmp eax, 10 * 50000 + 100
    CHECK be, 5
    mov dword [T0_CONF], 0
    mov dword [HPET + 0x10], 0              ; halted: the PIT has IRQ 0 back
    mov dword [ticks], 0
    sti
    hlt
    cli
    cmp dword [ticks], 1
    CHECK e, 5
    PUTS `HPET periodic: ten periods of 50 us, then the PIT again ok\n`

    ; TSC-deadline: CPUID.1:ECX[24], LVT timer mode 10b, IA32_TSC_DEADLINE 50 us ahead.
    mov al, 0xFF
    out 0x21, al
    mov eax, 1
    cpuid
    test ecx, 1 << 24
    CHECK nz, 6
    mov dword [APIC + 0xF0], 0x1FF          ; SVR: enabled
    mov dword [APIC + 0x320], (2 << 17) | 0x42
    rdtsc
    mov [t0], eax
    add eax, 50000
    adc edx, 0
    mov ecx, 0x6E0
    wrmsr
    rdmsr
    sub eax, [t0]
    cmp eax, 50000                          ; reads back while armed
    CHECK e, 6
    sti
    hlt
    cli
    rdtsc
    sub eax, [t0]
    cmp eax, 50000
    CHECK ae, 7
    cmp eax, 50000 + 100
    CHECK be, 7
    cmp dword [deadlines], 1
    CHECK e, 7
    mov ecx, 0x6E0
    rdmsr
    or eax, edx
    CHECK z, 7                              ; 0 once it fired
    PUTS `TSC-deadline: the APIC timer fires at the TSC value, the MSR reads 0 after ok\n`
    PASS

irq0:
    push eax
    inc dword [ticks]
    mov al, 0x20
    out 0x20, al
    pop eax
    iret
deadline:
    inc dword [deadlines]
    mov dword [APIC + 0xB0], 0
    iret
unexpected:
    FAIL 8

    PM_CODE
    PM_DATA
    PM_BSS
t0:        resd 1
ticks:     resd 1
deadlines: resd 1
bss_end:
