; A device write over code that already ran, under both engines (engines.sh): the ATA device's
; READ SECTORS lands over a translated function (there is no DMA engine: the polled driver's
; REP INSW stores the sector) and over the instructions right after the REP INSW itself; the
; new code must run. Run with -hda jit_dma_disk.img (sector k: mov eax, 0x600D0001 + k; ret).
%include "lib/multiboot.inc"
%include "lib/ata.inc"

; LOAD lba, to: one sector from the disk to `to`.
%macro LOAD 2
    ATA_CMD 0x20, 1, %1
    WAIT_DRQ 9
    mov edi, %2
    READ_SECTOR
%endmacro

; CALLS function, eax, code
%macro CALLS 3
    call %1
    cmp eax, %2
    CHECK e, %3
%endmacro

start:
    mov esp, stack_top
    cld
    ATA_POLLED

    CALLS code_area, 1, 1
    CALLS code_area, 1, 1
    LOAD 0, code_area
    CALLS code_area, 0x600D0001, 2
    LOAD 2, code_area
    CALLS code_area, 0x600D0003, 3
    PUTS `sector read over translated code: the new code runs ok\n`

    CALLS self_load, 0x600D0002, 4
    mov byte [self_load.after], 0xB8    ; back to mov eax, 0xBAD (by the CPU)
    mov dword [self_load.after + 1], 0xBAD
    CALLS self_load.after, 0xBAD, 5
    CALLS self_load, 0x600D0002, 6
    PUTS `sector read over the instructions after the REP INSW ok\n`
    PASS

; Reads sector 1 over its own instructions after the REP INSW.
self_load:
    ATA_CMD 0x20, 1, 1
    WAIT_DRQ 7
    mov edi, .after
    READ_SECTOR
.after:
    mov eax, 0xBAD
    ret
    times 512 db 0xCC

align 4096
code_area:
    mov eax, 1
    ret
    times 512 db 0xCC

section .bss
    resb 4096
stack_top:
bss_end:
