; PAUSE in virtual time (cpu/state.h, PAUSE_TICKS): each PAUSE takes 140 ticks of the clock the
; TSC counts, where any other instruction takes one; a timer interrupt due during a PAUSE comes
; at its tick, with EIP at the PAUSE, and the PAUSE runs whole again after the IRET. Then a line
; out of COM1 (-d serial).
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

%define PAUSE_TICKS 140
%define TURNS 1000

start:
    PM_INIT
    IRQ0_GATES irq0, unexpected

    ; TURNS turns of PAUSE, DEC, JNZ between two RDTSCs, which read the tick of their own
    ; instruction: the first RDTSC's tick and the MOV's, then each turn's.
    mov ecx, TURNS
    rdtsc
    mov esi, eax
.turn:
    pause
    dec ecx
    jnz .turn
    rdtsc
    sub eax, esi
    cmp eax, 2 + TURNS * (PAUSE_TICKS + 2)
    CHECK e, 1

    ; A PIT one-shot (mode 0, 10 PIT clocks: about 8.4 us) while the CPU spins on PAUSE: the
    ; interrupt is taken inside a PAUSE.
    mov al, 0x30                    ; channel 0, lo/hi, mode 0
    out 0x43, al
    PIC_INIT 0xFE
    sti
    mov al, 10
    out 0x40, al
    mov al, 0
    out 0x40, al
.spin:
    pause
    cmp dword [ticks], 0
    je .spin
    rdtsc
    cli
    mov edx, [ret_eip]
    cmp edx, .spin
    CHECK e, 2
    ; From the handler's RDTSC: its 10 instructions through IRET, the whole PAUSE again, the
    ; CMP and the JE not taken.
    sub eax, [t_irq]
    cmp eax, 10 + PAUSE_TICKS + 2
    CHECK e, 3
    PUTS `PAUSE takes 140 ticks\n`
    ; A line out of COM1 (its reset state sends as it is), for -d serial's counts.
    mov esi, com1_line
.send:
    mov dx, 0x3FD                   ; LSR: wait for THRE
.thre:
    in al, dx
    test al, 0x20
    jz .thre
    lodsb
    mov dx, 0x3F8
    out dx, al
    cmp al, 10
    jne .send
    PASS

unexpected:
    FAIL 4

irq0:
    push eax
    push edx
    rdtsc
    mov [t_irq], eax
    mov eax, [esp + 8]              ; the interrupted EIP
    mov [ret_eip], eax
    inc dword [ticks]
    mov al, 0x20                    ; non-specific EOI
    out 0x20, al
    pop edx
    pop eax
    iret

com1_line: db `PAUSE\n`

    PM_CODE
    PM_DATA
    PM_BSS
t_irq:   resd 1
ret_eip: resd 1
ticks:   resd 1
bss_end:
