; The smallest guest: prints a line on the debug console and passes.
%include "lib/multiboot.inc"

start:
    mov esp, stack_top
    cmp eax, 0x2BADB002
    CHECK e, 1
    mov ecx, 10
    xor edx, edx
.sum:
    add edx, ecx
    dec ecx
    jnz .sum
    cmp edx, 55
    CHECK e, 2
    PUTS `hello from jitpc\n`
    PASS

section .bss
    resb 4096
stack_top:
bss_end:
