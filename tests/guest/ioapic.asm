; The I/O APIC of -cpu max end to end, with the 8259s masked so nothing comes through LINT0:
; its version, the PIT's IRQ 0 through pin 2 (the MADT's override) as edges, COM1's IRQ 4 as a
; level input (remote IRR and the TMR bit while in service, delivered again while the line stays
; asserted after each EOI, the EOI register clearing remote IRR), and NMIs: a self-IPI taken
; with IF=0, a second one held until IRET, and one from an I/O APIC pin in NMI mode.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/apic.inc"

%define VEC_TIMER 0x30
%define VEC_SERIAL 0x34

start:
    PM_INIT
    SETGATE 2, nmi, 0x8E00
    SETGATE VEC_TIMER, timer, 0x8E00
    SETGATE VEC_SERIAL, serial, 0x8E00
    SETGATE 0xFF, unexpected, 0x8E00
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    mov dword [APIC + APIC_SVR], 0x1FF
    IORD 1
    cmp eax, 0x00170020                          ; version 0x20, entries 0-23
    CHECK e, 1
    IORD REDTBL(2)
    cmp eax, 0x10000                             ; masked since reset
    CHECK e, 2
    PUTS `I/O APIC: version 0x20, 24 entries, masked ok\n`

    ; Edge: the PIT as a 1 ms rate generator on pin 2.
    IOWR REDTBL(2) + 1, 0                        ; physical destination 0
    IOWR REDTBL(2), VEC_TIMER                    ; fixed, edge, active high, unmasked
    mov al, 0x34
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
    sti
.tick:
    hlt
    cmp dword [ticks], 5
    jb .tick
    cli
    IOWR REDTBL(2), 0x10000 | VEC_TIMER          ; masked again
    IORD REDTBL(2)
    test eax, REMOTE_IRR                         ; never for an edge
    CHECK z, 3
    APIC_BIT APIC_TMR, VEC_TIMER
    CHECK z, 4
    PUTS `edge: PIT IRQ 0 through pin 2, five ticks ok\n`

    ; Level: COM1's THR-empty interrupt holds IRQ 4 high until IIR is read.
    IOWR REDTBL(4) + 1, 0
    IOWR REDTBL(4), 0x8000 | VEC_SERIAL          ; level, active high
    mov dx, COM1 + 4
    mov al, 0x08                                 ; OUT2 gates the IRQ
    out dx, al
    mov dx, COM1 + 1
    mov al, 0x02                                 ; IER: THR empty
    out dx, al
    APIC_BIT APIC_IRR, VEC_SERIAL                ; IF=0: waiting
    CHECK nz, 5
    APIC_BIT APIC_TMR, VEC_SERIAL                ; as a level message
    CHECK nz, 6
    IORD REDTBL(4)
    test eax, REMOTE_IRR
    CHECK nz, 7
    mov dword [keep], 2                          ; two EOIs with the line still asserted
    sti
    nop
    cli
    cmp dword [serials], 3
    CHECK e, 8
    IORD REDTBL(4)
    test eax, REMOTE_IRR
    CHECK z, 9
    PUTS `level: remote IRR until EOI, delivered again while asserted ok\n`

    ; NMI: a self-IPI, taken whatever IF says; the handler's own NMI waits for its IRET.
    mov dword [APIC + APIC_ICR], 0x40400
    cmp dword [nmis], 2
    CHECK e, 10
    PUTS `NMI: self-IPI with IF=0, held until IRET ok\n`
    ; NMI from pin 4: a rising edge of COM1's line.
    IOWR REDTBL(4), 0x400
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov al, 0x02
    out dx, al
    cmp dword [nmis], 3
    CHECK e, 11
    PUTS `NMI: from an I/O APIC pin ok\n`
    PASS

timer:
    inc dword [ticks]
    mov dword [APIC + APIC_EOI], 0
    iret

serial:
    push eax
    push edx
    inc dword [serials]
    IORD REDTBL(4)
    test eax, REMOTE_IRR                         ; set while in service
    CHECK nz, 12
    cmp dword [keep], 0
    je .clear
    dec dword [keep]
    jmp .eoi
.clear:
    mov dx, COM1 + 2                             ; reading IIR drops the line
    in al, dx
    mov dword [IOAPIC + IOAPIC_EOI], VEC_SERIAL  ; the I/O APIC's own EOI register
    IORD REDTBL(4)
    test eax, REMOTE_IRR
    CHECK z, 13
.eoi:
    mov dword [APIC + APIC_EOI], 0
    pop edx
    pop eax
    iret

nmi:
    inc dword [nmis]
    cmp dword [nmis], 1
    jne .done
    mov dword [APIC + APIC_ICR], 0x40400         ; blocked until this handler's IRET
    cmp dword [nmis], 1
    CHECK e, 14
.done:
    iret

unexpected:
    FAIL 15

    PM_CODE
    PM_DATA
    PM_BSS
ticks:   resd 1
serials: resd 1
keep:    resd 1
nmis:    resd 1
bss_end:
