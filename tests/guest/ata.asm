; The primary IDE master as a driver sees it through PIO with interrupts off (nIEN): IDENTIFY
; capacity, READ SECTORS of two sectors, a WRITE SECTORS read back, and an absent slave that
; reads status 0. Run with -hda ata_disk.img -snapshot (the image file is never written).
%include "lib/multiboot.inc"
%include "lib/ata.inc"

start:
    mov esp, stack_top
    cld
    ATA_POLLED

    ATA_CMD 0xEC, 0, 0          ; IDENTIFY DEVICE
    WAIT_DRQ 1
    mov edi, buffer
    READ_SECTOR
    cmp dword [buffer + 60 * 2], 2048   ; LBA28 capacity: 1 MiB
    CHECK e, 2
    test word [buffer + 83 * 2], 1 << 10    ; 48-bit addressing supported
    CHECK nz, 3
    PUTS `identify ok\n`

    ATA_CMD 0x20, 2, 5          ; READ SECTORS: 5 and 6
    mov edi, buffer
    WAIT_DRQ 4
    READ_SECTOR
    WAIT_DRQ 5
    READ_SECTOR
    cmp dword [buffer], "SECT"
    CHECK e, 6
    cmp dword [buffer + 4], 5
    CHECK e, 7
    cmp dword [buffer + 512 + 4], 6
    CHECK e, 8
    PUTS `read ok\n`

    ATA_CMD 0x30, 1, 7          ; WRITE SECTORS: sector 7 becomes "jitpc" + zeros
    WAIT_DRQ 9
    mov esi, pattern
    mov dx, DATA
    mov ecx, 256
    rep outsw
    mov dx, CMD
.done:
    in al, dx
    test al, 0x80
    jnz .done
    test al, 0x01               ; no error
    CHECK z, 10
    ATA_CMD 0x20, 1, 7
    WAIT_DRQ 11
    mov edi, buffer
    READ_SECTOR
    cmp dword [buffer], "jitp"
    CHECK e, 12
    PUTS `write ok\n`

    mov dx, DRIVE               ; the slave is absent: its status reads 0
    mov al, 0xF0
    out dx, al
    mov dx, CMD
    in al, dx
    cmp al, 0
    CHECK e, 13
    PUTS `absent slave ok\n`
    PASS

pattern:
    db "jitpc"
    times 512 - 5 db 0

section .bss
buffer: resb 1024
    resb 4096
stack_top:
bss_end:
