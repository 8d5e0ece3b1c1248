; A 1 MiB raw disk image for the ATA guest test: sector k starts with "SECT" and the dword k.
%assign k 0
%rep 2048
    db "SECT"
    dd k
    times 512 - 8 db 0
%assign k k + 1
%endrep
