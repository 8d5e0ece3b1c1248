; The real diskette and hard disk beside an El Torito emulated one (cdrom_emul.asm): a 1.44 MB
; image whose sector 0 starts with "REAL".
    db 'REAL'
    times 1474560 - ($ - $$) db 0
