; Device accesses from translated code take effect at the next instruction boundary, as in the
; interpreter: each loop below runs 50 times (hot enough for the JIT) and an MMIO access in the
; middle of its block raises an interrupt, whose handler must see EBX as the access left it,
; before the ADD after it. The accesses: a self-IPI (ICR store), an EOI store that releases a
; lower-priority vector waiting in IRR, an I/O APIC store unmasking an asserted level input
; (COM1's THR-empty interrupt), and a load of a reserved local APIC register (an error
; interrupt through the error LVT).
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/apic.inc"

%define VEC_IPI 0x40
%define VEC_LOW 0x50
%define VEC_HIGH 0x60
%define VEC_PIN 0x70
%define VEC_ERROR 0x80
%define ROUNDS 50

; ROUND label, failure code, access...: the loop around one access.
%macro ROUND 3+
    xor esi, esi
%1:
    mov ebx, esi
    %3
    add ebx, 1000                   ; after the interrupt, never before it
    cmp [seen], esi
    CHECK e, %2
    inc esi
    cmp esi, ROUNDS
    jb %1
%endmacro

start:
    PM_INIT
    SETGATE VEC_IPI, record, 0x8E00
    SETGATE VEC_LOW, record, 0x8E00
    SETGATE VEC_HIGH, high, 0x8F00            ; a trap gate: IF stays set in the handler
    SETGATE VEC_PIN, pin, 0x8E00
    SETGATE VEC_ERROR, error, 0x8E00
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    mov dword [APIC + APIC_SVR], 0x1FF
    mov dword [APIC + APIC_LVT_ERROR], VEC_ERROR
    sti

    ROUND .ipi, 1, mov dword [APIC + APIC_ICR], 0x40000 | VEC_IPI
    PUTS `self-IPI store: taken right after it ok\n`

    ROUND .eoi, 2, mov dword [APIC + APIC_ICR], 0x40000 | VEC_HIGH
    PUTS `EOI store: the waiting vector taken right after it ok\n`

    mov dword [APIC + APIC_ICR + 0x10], 0
    IOWR REDTBL(4) + 1, 0
    IOWR REDTBL(4), 0x18000 | VEC_PIN         ; level, masked
    mov dx, COM1 + 4
    mov al, 0x08                              ; OUT2
    out dx, al
    mov dx, COM1 + 1
    mov al, 0x02                              ; IER: THR empty, the line stays asserted
    out dx, al
    mov dword [IOAPIC], REDTBL(4)
    ROUND .unmask, 3, mov dword [IOAPIC + 0x10], 0x8000 | VEC_PIN
    PUTS `I/O APIC store: taken right after it ok\n`

    ROUND .load, 4, mov eax, [APIC + 0x10]
    PUTS `reserved register load: error interrupt right after it ok\n`
    cli
    PASS

record:
    mov [seen], ebx
    mov dword [APIC + APIC_EOI], 0
    iret

high:
    mov dword [APIC + APIC_ICR], 0x40000 | VEC_LOW    ; below the class in service: waits
    mov dword [APIC + APIC_EOI], 0
    add ebx, 1000                                     ; after VEC_LOW's handler
    iret

pin:
    mov [seen], ebx
    mov dword [IOAPIC + 0x10], 0x18000 | VEC_PIN      ; masked again (IOREGSEL still selects it)
    mov dword [APIC + APIC_EOI], 0
    iret

error:
    mov [seen], ebx
    mov dword [APIC + 0x280], 0                       ; ESR: latch and clear
    mov dword [APIC + APIC_EOI], 0
    iret

    PM_CODE
    PM_DATA
    PM_BSS
seen: resd 1
bss_end:
