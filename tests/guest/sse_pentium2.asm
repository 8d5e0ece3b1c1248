; sse.asm on the default pentium2 model: no MMX, FXSR, SSE or SSE2 in CPUID, CR4.OSFXSR and
; OSXMMEXCPT reserved (#GP(0)), every instruction of the family #UD.
%define NO_SSE
%include "sse.asm"
