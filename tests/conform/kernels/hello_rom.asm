; A ROM test for `jitpc conform rom`: three lines on the debug console, then isa-debug-exit.
%include "lib/rom.inc"

start:
    ROM_INIT
    PUTS `jitpc conform rom test\n`
    PUTS `line two\n`
    PUTS `line three\n`
    PASS
