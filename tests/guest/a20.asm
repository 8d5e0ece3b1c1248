; The A20 gate through system control port A (0x92): masked, FFFF:0010 is the byte at 0:0000
; (8086 wrap-around); enabled, it is the first byte above 1 MiB. Port 0x92 reads back bit 1.
%include "lib/rom.inc"

start:
    ROM_INIT
    mov ax, 0xFFFF
    mov fs, ax

    in al, 0x92             ; enabled after reset, as QEMU starts
    test al, 0x02
    CHECK nz, 1

    mov al, 0x00            ; mask A20 (bit 0 stays 0: no reset)
    out 0x92, al
    in al, 0x92
    test al, 0x03
    CHECK z, 2
    mov byte [0x0000], 0x11
    mov byte [fs:0x0010], 0x55      ; wraps to 0:0000
    cmp byte [0x0000], 0x55
    CHECK e, 3

    mov al, 0x02            ; enable A20
    out 0x92, al
    mov byte [fs:0x0010], 0xAA      ; now 0x100000
    cmp byte [0x0000], 0x55
    CHECK e, 4
    cmp byte [fs:0x0010], 0xAA
    CHECK e, 5

    mov al, 0x00            ; masked again: the old alias is back
    out 0x92, al
    cmp byte [fs:0x0010], 0x55
    CHECK e, 6
    PUTS `a20 ok\n`
    PASS
