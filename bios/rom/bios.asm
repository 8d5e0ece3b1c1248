; jitpc BIOS ROM: 64 KiB at F000:0000 (and below 4 GiB). Real-mode code for the reset path,
; the interrupt handlers and the boot hand-off; services that work on host-side data trap into
; the host (bios/bios.h explains the trap protocol).
bits 16
cpu 686
org 0

TRAP_PORT equ 0xEF
%define SERVICE(name, number) SVC_ %+ name equ number
%include "services.def"
%define ROM_OFFSET(name, offset) ROM_ %+ name equ offset
%include "rom_layout.def"

PIC1 equ 0x20
PIC2 equ 0xA0
EOI equ 0x20

; A handler the host implements. The host clears ZF in the stub's own flags when it is done,
; or sets it to ask for a halt until the next interrupt and another try.
%macro HOST_SERVICE 2
%1:
%%again:
    push word %2
    out TRAP_PORT, al
    jnz %%done
    sti
    hlt
    cli
    jmp %%again
%%done:
    iret
%endmacro

; ---------------------------------------------------------------------------------------------
; Power-on self test. The host part (Service Post) fills the data areas, memory map, ACPI
; tables and PCI resources; the devices the ROM's own handlers drive are set up here.
post:
    cli
    cld
    xor ax, ax
    mov ss, ax
    mov sp, 0x7C00
    mov ds, ax
    mov es, ax

    ; Every vector starts at a bare IRET, then the ones the BIOS serves are filled from the table.
    xor di, di
    mov cx, 256
.fill_ivt:
    mov word [di], unhandled_interrupt
    mov word [di + 2], 0xF000
    add di, 4
    loop .fill_ivt
    mov si, vector_table
.next_vector:
    mov bl, [cs:si]
    cmp bl, 0xFF
    je .vectors_done
    xor bh, bh
    shl bx, 2
    mov ax, [cs:si + 1]
    mov [bx], ax
    mov word [bx + 2], 0xF000
    add si, 3
    jmp .next_vector
.vectors_done:

    ; 8259A pair: edge-triggered, cascaded on IRQ 2, vectors 08h and 70h, 8086 mode.
    mov al, 0x11
    out PIC1, al
    out PIC2, al
    mov al, 0x08
    out PIC1 + 1, al
    mov al, 0x70
    out PIC2 + 1, al
    mov al, 0x04
    out PIC1 + 1, al
    mov al, 0x02
    out PIC2 + 1, al
    mov al, 0x01
    out PIC1 + 1, al
    out PIC2 + 1, al
    ; Unmask the timer, keyboard and cascade; everything else stays masked until an OS wants it.
    mov al, 0xF8
    out PIC1 + 1, al
    mov al, 0xFF
    out PIC2 + 1, al

    ; PIT channel 0: mode 3, count 65536, the 18.2 Hz BIOS tick.
    mov al, 0x36
    out 0x43, al
    xor al, al
    out 0x40, al
    out 0x40, al

    ; Keyboard controller: scancodes translated to set 1, an interrupt per keyboard byte, the
    ; absent mouse's port off (CCB 0x65).
    mov al, 0x60
    out 0x64, al
    mov al, 0x65
    out 0x60, al

    push word SVC_Post
    out TRAP_PORT, al

    ; The video BIOS's own POST: 80x25 colour text, screen cleared.
    mov ax, 0x0003
    int 0x10

    sti
    int 0x19
    ; INT 19h returns only when no device could be booted.
    int 0x18

; ---------------------------------------------------------------------------------------------
; Handlers the host implements.
HOST_SERVICE int10_video, SVC_Video
HOST_SERVICE int11_equipment, SVC_Equipment
HOST_SERVICE int12_memory_size, SVC_MemorySize
HOST_SERVICE int13_disk, SVC_Disk
HOST_SERVICE int15_system, SVC_System
HOST_SERVICE int16_keyboard, SVC_Keyboard
HOST_SERVICE int19_boot, SVC_Boot
HOST_SERVICE int1a_clock, SVC_Clock

; INT 18h: nothing to boot. The host reports it; the machine then stops with nothing to wake it.
int18_no_boot_device:
    push word SVC_NoBootDevice
    out TRAP_PORT, al
.halt:
    cli
    hlt
    jmp .halt

; ---------------------------------------------------------------------------------------------
; Hardware interrupts.

; IRQ 0: the BIOS tick at 0040:006C, the midnight rollover flag at 0040:0070, then INT 1Ch.
TICKS_PER_DAY equ 0x1800B0
irq0_timer:
    push ds
    push eax
    xor ax, ax
    mov ds, ax
    mov eax, [0x46C]
    inc eax
    cmp eax, TICKS_PER_DAY
    jb .store
    xor eax, eax
    inc byte [0x470]
.store:
    mov [0x46C], eax
    int 0x1C
    mov al, EOI
    out PIC1, al
    pop eax
    pop ds
    iret

; IRQ 1: the host takes the byte from the keyboard controller into the BDA's buffer.
irq1_keyboard:
    push word SVC_KeyboardIrq
    out TRAP_PORT, al
    push ax
    mov al, EOI
    out PIC1, al
    pop ax
    iret

; IRQs nobody asked for: acknowledge at the controller(s) that raised them.
irq_master_default:
    push ax
    mov al, EOI
    out PIC1, al
    pop ax
    iret

irq_slave_default:
    push ax
    mov al, EOI
    out PIC2, al
    out PIC1, al
    pop ax
    iret

unhandled_interrupt:
    iret

; ---------------------------------------------------------------------------------------------
; Vector, handler offset; ends with 0xFF.
vector_table:
    db 0x08
    dw irq0_timer
    db 0x09
    dw irq1_keyboard
%assign v 0x0A
%rep 6
    db v
    dw irq_master_default
%assign v v + 1
%endrep
%assign v 0x70
%rep 8
    db v
    dw irq_slave_default
%assign v v + 1
%endrep
    db 0x10
    dw int10_video
    db 0x11
    dw int11_equipment
    db 0x12
    dw int12_memory_size
    db 0x13
    dw int13_disk
    db 0x15
    dw int15_system
    db 0x16
    dw int16_keyboard
    db 0x18
    dw int18_no_boot_device
    db 0x19
    dw int19_boot
    db 0x1A
    dw int1a_clock
    db 0x1E
    dw diskette_parameters
    db 0xFF

; ---------------------------------------------------------------------------------------------
; Slots at fixed offsets the host knows (bios/rom_layout.def).

; The ACPI RSDP, written by POST.
    times ROM_RSDP - ($ - $$) db 0xFF
rsdp:
    times 36 db 0

; INT 15h AH=C0h: the system configuration table (length word, then model, submodel, BIOS
; revision and feature bytes). Feature byte 1: EBDA allocated (bit 2), RTC (bit 5), second 8259
; (bit 6); the others, and feature bytes 2-5, say nothing is there.
    times ROM_CONFIG_TABLE - ($ - $$) db 0xFF
config_table:
    dw .end - .model
.model:
    db 0xFC         ; AT, as at F000:FFFE
    db 0x01         ; submodel
    db 0x00         ; BIOS revision
    db 0x64
    db 0, 0, 0, 0
.end:

; INT 1Eh's diskette parameter table (1.44 MB timings) at the address PC BIOSes have always used;
; INT 13h AH=08h returns it too (bios/int13_disk.cpp).
    times 0xEFC7 - ($ - $$) db 0xFF
diskette_parameters:
    db 0xAF         ; step rate 3 ms, head unload 240 ms
    db 0x02         ; head load 4 ms, DMA mode
    db 0x25         ; motor off delay, ticks
    db 0x02         ; 512 bytes per sector
    db 18           ; sectors per track
    db 0x1B         ; gap length
    db 0xFF         ; data length
    db 0x6C         ; format gap length
    db 0xF6         ; format fill byte
    db 0x0F         ; head settle, ms
    db 0x08         ; motor start, 1/8 s

; ---------------------------------------------------------------------------------------------
; The reset vector, the BIOS date and the model byte sit at the ROM's fixed top addresses.
    times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:
    jmp 0xF000:post
    db "11/24/26"
    db 0
    db 0xFC         ; model: AT
    db 0
