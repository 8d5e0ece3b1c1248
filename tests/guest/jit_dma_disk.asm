; The disk image for the jit_dma guest: sector k (k = 0..2) holds `mov eax, 0x600D0001 + k; ret`.
%assign k 0
%rep 3
    db 0xB8
    dd 0x600D0001 + k
    db 0xC3
    times 512 - 6 db 0xCC
%assign k k + 1
%endrep
    times 65536 - ($ - $$) db 0
