; The local APIC of -cpu max end to end (xAPIC MMIO at 0xFEE00000, paging off): a fixed self-IPI
; waits in IRR while IF=0 and is taken after STI, then the APIC timer, counting the 1 GHz virtual
; clock, fires once in one-shot mode (100 us after it was loaded, waking a HLT) and every period
; in periodic mode (ten HLT turns for ten 50 us periods). Each handler ends with an EOI.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define APIC 0xFEE00000
%define ISR 0x100
%define IRR 0x200
%define ONESHOT 100000
%define PERIOD 50000

start:
    PM_INIT
    SETGATE 0x40, oneshot, 0x8E00
    SETGATE 0x41, periodic, 0x8E00
    SETGATE 0x50, ipi, 0x8E00
    SETGATE 0xFF, unexpected, 0x8E00
    cmp dword [APIC + 0x30], 0x01050014         ; version
    CHECK e, 1
    mov dword [APIC + 0xF0], 0x1FF              ; SVR: enabled, spurious vector 0xFF

    mov dword [APIC + 0x300], 0x40000 | 0x50    ; ICR: self, fixed, vector 0x50
    test dword [APIC + IRR + 0x20], 1 << 16     ; vector 0x50 pending
    CHECK nz, 2
    sti
    nop
    cli
    cmp dword [ipis], 1
    CHECK e, 3
    test dword [APIC + ISR + 0x20], 1 << 16     ; EOI took it out of service
    CHECK z, 4
    PUTS `self-IPI: IRR, delivery after STI, EOI ok\n`

    mov dword [APIC + 0x3E0], 0xB               ; divide by 1
    mov dword [APIC + 0x320], 0x40              ; one-shot, vector 0x40
    rdtsc
    mov [t0], eax
    mov dword [APIC + 0x380], ONESHOT
    sti
    hlt
    cli
    rdtsc
    sub eax, [t0]
    cmp eax, ONESHOT
    CHECK ae, 5
    cmp eax, ONESHOT + 100
    CHECK be, 6
    cmp dword [oneshots], 1
    CHECK e, 7
    cmp dword [APIC + 0x390], 0                 ; current count ran out
    CHECK e, 8
    PUTS `timer one-shot: fires once after 100 us ok\n`

    mov dword [APIC + 0x320], 0x20041           ; periodic, vector 0x41
    rdtsc
    mov [t0], eax
    mov dword [APIC + 0x380], PERIOD
    xor esi, esi
    sti
.wait:
    hlt
    inc esi
    cmp dword [ticks], 10
    jb .wait
    cli
    rdtsc
    sub eax, [t0]
    cmp eax, 10 * PERIOD
    CHECK ae, 9
    cmp eax, 10 * PERIOD + 100
    CHECK be, 10
    cmp esi, 10
    CHECK e, 11
    mov dword [APIC + 0x380], 0                 ; stop
    cmp dword [oneshots], 1
    CHECK e, 12
    PUTS `timer periodic: ten periods of 50 us ok\n`
    PASS

ipi:
    inc dword [ipis]
    mov dword [APIC + 0xB0], 0
    iret
oneshot:
    inc dword [oneshots]
    mov dword [APIC + 0xB0], 0
    iret
periodic:
    inc dword [ticks]
    mov dword [APIC + 0xB0], 0
    iret
unexpected:
    FAIL 13

    PM_CODE
    PM_DATA
    PM_BSS
t0:       resd 1
ipis:     resd 1
oneshots: resd 1
ticks:    resd 1
bss_end:
