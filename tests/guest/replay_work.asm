; A long, input-driven workload for record/replay and replay_seek (tests/replay/seek_test.py):
; 8,000 rounds, each writing 64 dwords into 16 pages of an 8 MiB region picked by a generator
; that mixes in the PIT ticks (1 kHz, IRQ 0) and the bytes received on COM1 (IRQ 4, also echoed
; uppercased). Every 250 rounds it prints a '.' and halts until the next tick, so the run also
; has idle time. At the end it prints the region's checksum in hex and passes. About 62 million
; instructions: seeks cross many checkpoints, and the state at any count depends on when the
; input and the timer came.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

%define COM1 0x3F8
%define REGION 0x400000
%define REGION_PAGES 2048
%define ROUNDS 8000

start:
    PM_INIT
    IRQ0_GATES irq0, unexpected
    SETGATE 0x24, irq4, 0x8E00

    mov al, 0x34                    ; PIT channel 0, lo/hi, mode 2: 1 kHz
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
    PIC_INIT 0xEE                   ; IRQ 0 and IRQ 4

    mov dx, COM1 + 3
    mov al, 0x80                    ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 1                       ; 115200 baud
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03                    ; 8N1
    out dx, al
    mov dx, COM1 + 2
    mov al, 0x07                    ; FIFO on, cleared, trigger 1
    out dx, al
    mov dx, COM1 + 1
    mov al, 0x01                    ; IER: received data
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x0B                    ; DTR, RTS, OUT2
    out dx, al
    sti

    mov dword [seed], 0x12345678
    xor ebp, ebp                    ; round
.round:
    mov ecx, 16                     ; pages this round
.page:
    mov eax, [seed]                 ; seed = seed * 1103515245 + 12345 + ticks + input
    imul eax, eax, 1103515245
    add eax, 12345
    add eax, [ticks]
    add eax, [input_sum]
    mov [seed], eax
    mov edi, eax
    shr edi, 8
    and edi, REGION_PAGES - 1
    shl edi, 12
    add edi, REGION
    push ecx
    mov ecx, 64
.word:
    add [edi], eax
    rol eax, 5
    xor eax, ebp
    add edi, 64
    dec ecx
    jnz .word
    pop ecx
    dec ecx
    jnz .page
    inc ebp
    mov eax, ebp
    xor edx, edx
    mov ebx, 250
    div ebx
    test edx, edx
    jnz .next
    mov al, '.'
    call putc
    hlt                             ; until the next interrupt
.next:
    cmp ebp, ROUNDS
    jb .round

    cli
    xor eax, eax                    ; checksum of the region
    mov esi, REGION
    mov ecx, REGION_PAGES * 1024
.sum:
    add eax, [esi]
    rol eax, 1
    add esi, 4
    dec ecx
    jnz .sum
    mov ebx, eax
    mov al, 10
    call putc
    mov ecx, 8
.hex:
    rol ebx, 4
    mov eax, ebx
    and eax, 15
    mov al, [digits + eax]
    call putc
    dec ecx
    jnz .hex
    mov al, 10
    call putc
    PASS

irq0:
    inc dword [ticks]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iret

irq4:
    pushad
.more:
    call getc
    jz .eoi
    movzx ebx, al
    add [input_sum], ebx
    call putc_upper
    jmp .more
.eoi:
    mov al, 0x20
    out 0x20, al
    popad
    iret

%include "lib/uart.inc"

unexpected:
    FAIL 3

digits: db "0123456789abcdef"

    PM_CODE
    PM_DATA
    PM_BSS
ticks:      resd 1
input_sum:  resd 1
seed:       resd 1
bss_end:
