; The empty benchmark program: its run is the cost of starting the emulator, the BIOS and the
; floppy loader, which the bench script takes off the other programs' figures.
%include "program.inc"

    PASS
