; The machine's chipset as a guest probes it: the i8042 self-test and keyboard identify, the
; PCI functions at 00:00.0, 00:01.0 and 00:01.1 through configuration mechanism #1, the
; 0xCFB byte latch, then a reset pulse through the 8042 (run with -no-reboot: exit status 0).
%include "lib/multiboot.inc"

; Reads the next byte the 8042 offers into AL (OBF polled).
%macro KBC_READ 0
%%wait:
    in al, 0x64
    test al, 1
    jz %%wait
    in al, 0x60
%endmacro

; EAX = configuration dword at CONFIG_ADDRESS %1.
%macro PCI_READ 1
    mov dx, 0xCF8
    mov eax, %1
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
%endmacro

start:
    mov esp, stack_top
    mov al, 0xAA                ; controller self-test
    out 0x64, al
    KBC_READ
    cmp al, 0x55
    CHECK e, 1
    mov al, 0xF2                ; keyboard identify: ACK, then AB 41 (translation on)
    out 0x60, al
    KBC_READ
    cmp al, 0xFA
    CHECK e, 2
    KBC_READ
    cmp al, 0xAB
    CHECK e, 3
    KBC_READ
    cmp al, 0x41
    CHECK e, 4
    PUTS `i8042 ok\n`

    PCI_READ 0x80000000         ; 00:00.0 i440FX
    cmp eax, 0x12378086
    CHECK e, 5
    PCI_READ 0x80000800         ; 00:01.0 PIIX3 ISA
    cmp eax, 0x70008086
    CHECK e, 6
    PCI_READ 0x80000900         ; 00:01.1 PIIX3 IDE
    cmp eax, 0x70108086
    CHECK e, 7
    PCI_READ 0x80000908         ; class 01 01 80, revision in the low byte
    shr eax, 8
    cmp eax, 0x010180
    CHECK e, 8
    PCI_READ 0x80001000         ; 00:02.0: nothing there
    cmp eax, 0xFFFFFFFF
    CHECK e, 9
    mov dx, 0xCF8               ; a byte write to 0xCFB is seen by a dword read of 0xCF8
    mov eax, 0x80000000
    out dx, eax
    mov dx, 0xCFB
    mov al, 0x81
    out dx, al
    mov dx, 0xCF8
    in eax, dx
    cmp eax, 0x81000000
    CHECK e, 10
    PUTS `pci ok\n`

    mov al, 0xFE                ; pulse the reset line
    out 0x64, al
    FAIL 11                     ; not reached: the reset ends the run

section .bss
    resb 4096
stack_top:
bss_end:
