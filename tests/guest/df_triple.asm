; Triple fault: #GP with a not-present #GP gate makes #NP -> #DF, whose gate is not present
; either: the CPU shuts down, which jitpc -no-reboot turns into exit status 0.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

start:
    PM_INIT
    and byte [idt + 13 * 8 + 5], 0x7F
    and byte [idt + 8 * 8 + 5], 0x7F
    PUTS `triple fault next\n`
    mov ax, 0x7F8
    mov ds, ax
    FAIL 1

    PM_CODE
    PM_DATA
    PM_BSS
bss_end:
