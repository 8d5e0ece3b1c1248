; COM1 end to end, programmed the way Linux's 8250 driver does: 115200 8N1, FIFO with an 8-byte
; RX trigger, RX interrupt enabled, DTR|RTS|OUT2 (OUT2 gates IRQ 4). A banner goes out through
; THR with LSR.THRE polling; then every received byte is echoed uppercased from the IRQ 4
; handler (single bytes below the trigger arrive through the character-timeout interrupt) until
; a '\n', and the program passes. The input comes from jitpc's stdin (see serial.sh).
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

%define COM1 0x3F8

start:
    PM_INIT
%assign v 0x20
%rep 16
    SETGATE v, unexpected, 0x8E00
%assign v v + 1
%endrep
    SETGATE 0x24, irq4, 0x8E00

    PIC_INIT 0xEF                   ; only IRQ 4 unmasked

    mov dx, COM1 + 3
    mov al, 0x80                    ; LCR.DLAB
    out dx, al
    mov dx, COM1
    mov al, 1                       ; divisor 1: 115200 baud
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03                    ; 8N1, DLAB off
    out dx, al
    mov dx, COM1 + 2
    mov al, 0x87                    ; FIFO on, both cleared, RX trigger 8
    out dx, al
    in al, dx
    and al, 0xC0
    cmp al, 0xC0                    ; IIR reports the FIFOs
    CHECK e, 1
    mov dx, COM1 + 1
    mov al, 0x01                    ; IER: received data
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x0B                    ; MCR: DTR, RTS, OUT2
    out dx, al

    mov esi, banner
.banner:
    lodsb
    test al, al
    jz .wait
    call putc
    jmp .banner

.wait:                              ; every wake-up is IRQ 4 (nothing else is unmasked)
    sti
    hlt
    cli
    cmp byte [done], 0
    je .wait
    PASS

irq4:
    pushad
    mov dx, COM1 + 2
    in al, dx                       ; IIR: 0x04 data available or 0x0C character timeout
    and al, 0x07
    cmp al, 0x04
    CHECK e, 2
.more:
    call getc
    jz .eoi
    cmp al, 0x0A
    jne .upper
    mov byte [done], 1
.upper:
    call putc_upper
    jmp .more
.eoi:
    mov al, 0x20
    out 0x20, al
    popad
    iret

%include "lib/uart.inc"

unexpected:
    FAIL 3

banner: db "serial ready", 10, 0

    PM_CODE
    PM_DATA
    PM_BSS
done:   resb 1
bss_end:
