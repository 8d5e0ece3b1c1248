; Timekeeping end to end: PIT channel 0 in mode 2 at 1000 Hz through the 8259 (remapped to
; 0x20/0x28) to an IDT handler that counts IRQ 0 and sends EOI. The main loop only HLTs, so
; every wake-up must be an interrupt (exactly 100 loop turns for 100 ticks), and the TSC must
; have advanced by 100 PIT periods: 100 * 1193 PIT clocks = 99,984,767 ns, within one period
; of 100 ms. Then a mode 0 one-shot armed mid-run must interrupt the spinning CPU on time.
; It retires a few thousand instructions: HLT moves the clock to the next event.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

%define PIT_COUNT 1193      ; 1,193,181.8 Hz / 1000
%define TOLERANCE 999848    ; one PIT period in ns, rounded up

start:
    PM_INIT
    IRQ0_GATES irq0, unexpected

    ; PIT first: its control word raises OUT 0, and the PIC's ICW1 below forgets that edge.
    mov al, 0x34                    ; channel 0, lo/hi, mode 2, binary
    out 0x43, al
    mov ax, PIT_COUNT
    out 0x40, al
    mov al, ah
    out 0x40, al

    mov al, 0x11                    ; ICW1: edge, cascade, ICW4 needed
    out 0x20, al
    out 0x80, al                    ; I/O delay (silently claimed)
    out 0xA0, al
    mov al, 0x20                    ; ICW2: vectors 0x20 and 0x28
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x04                    ; ICW3: slave on IR2
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01                    ; ICW4: 8086 mode
    out 0x21, al
    out 0xED, al                    ; the other I/O delay port
    out 0xA1, al
    mov al, 0xFF
    out 0xA1, al
    mov al, 0xFE                    ; only IRQ 0
    out 0x21, al
    in al, 0x21
    cmp al, 0xFE
    CHECK e, 1

    rdtsc
    mov [t0], eax
    mov [t0 + 4], edx
    xor esi, esi                    ; loop turns
    sti
.wait:
    hlt
    inc esi
    cmp dword [ticks], 100
    jb .wait
    cli
    rdtsc
    sub eax, [t0]
    sbb edx, [t0 + 4]
    test edx, edx
    CHECK z, 2
    cmp eax, 100000000 - TOLERANCE
    CHECK ae, 3
    cmp eax, 100000000 + TOLERANCE
    CHECK be, 4
    cmp esi, 100
    CHECK e, 5

    ; A one-shot armed while the CPU runs (no HLT): mode 0 with 10 PIT clocks is due long before
    ; the mode 2 event the engine was running towards, so the engine must stop early for it.
    sti
    mov al, 0x30                    ; channel 0, lo/hi, mode 0
    out 0x43, al
    mov al, 10
    out 0x40, al
    rdtsc
    mov [t0], eax
    mov al, 0
    out 0x40, al                    ; loaded at the next PIT clock, OUT rises 10 clocks later
.spin:
    cmp dword [ticks], 101
    jb .spin
    cli
    rdtsc
    sub eax, [t0]
    cmp eax, 10 * 838
    CHECK ae, 7
    cmp eax, 11 * 839 + 100
    CHECK be, 8
    PUTS `100 timer ticks in 100 ms\n`
    PASS

irq0:
    push eax
    inc dword [ticks]
    mov al, 0x20                    ; non-specific EOI
    out 0x20, al
    pop eax
    iret

unexpected:
    FAIL 6

    PM_CODE
    PM_DATA
    PM_BSS
t0:     resd 2
ticks:  resd 1
bss_end:
