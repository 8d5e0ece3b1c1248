; Self-modifying real-mode code, as in Linux's setup code and GRUB's thunks: a routine copied to
; RAM patches the imm8 of its own INT instruction before each BIOS-style call, in a loop, and a
; store rewrites the instruction right after it. Code that already ran is then overwritten by a
; copy and called again.
%include "lib/rom.inc"

%define RAM_SEG 0x0800      ; where .ramcode runs
%define SCRATCH_SEG 0x0900  ; a routine that is run, overwritten, and run again

start:
    ROM_INIT
    SET_IVT 0x40, vec40
    SET_IVT 0x41, vec41
    SET_IVT 0x42, vec42
    SET_IVT 0x43, vec43

    ; Copy .ramcode to RAM_SEG:0 and run it there; it returns with a far RET.
    push cs
    pop ds
    mov ax, RAM_SEG
    mov es, ax
    mov si, section.ramcode.start
    xor di, di
    mov cx, ramcode_end
    cld
    rep movsb
    xor ax, ax
    mov ds, ax
    call RAM_SEG:0
    cmp dx, 0x1302          ; vectors 41, 43, 40, 42 in that order
    CHECK e, 1
    cmp bx, 2               ; the patched INC BX ran both times
    CHECK e, 2
    cmp di, 0x5678          ; the patched immediate was used
    CHECK e, 3

    ; Run a routine, overwrite it with a copy of another one, run it again.
    mov ax, SCRATCH_SEG
    mov es, ax
    mov si, returns_1
    call copy_routine
    call SCRATCH_SEG:0
    cmp ax, 1
    CHECK e, 4
    mov si, returns_2
    call copy_routine
    call SCRATCH_SEG:0
    cmp ax, 2
    CHECK e, 5

    PUTS "smc ok", 10
    PASS

; Copies the 4-byte routine at CS:SI to ES:0.
copy_routine:
    push ds
    push cs
    pop ds
    xor di, di
    mov cx, 4
    rep movsb
    pop ds
    ret

returns_1:
    mov ax, 1
    retf
returns_2:
    mov ax, 2
    retf

; Each handler appends its number to DX, one nibble per call.
%macro VEC 1
vec4%1:
    shl dx, 4
    or dx, %1
    iret
%endmacro
VEC 0
VEC 1
VEC 2
VEC 3

section ramcode follows=.text vstart=0
    xor dx, dx
    xor bx, bx
    xor si, si
.next:
    mov al, [cs:vectors + si]
    mov [cs:.call + 1], al      ; patch the INT right below: the very next instruction
.call:
    int 0x00
    inc si
    cmp si, 4
    jne .next

    ; A store that turns the following NOP into INC BX, twice through the same code.
    mov cx, 2
.twice:
    mov byte [cs:.patched], 0x43    ; inc bx
.patched:
    nop
    mov byte [cs:.patched], 0x90    ; back to NOP for the next round
    loop .twice

    ; Patch the immediate of an instruction a few instructions ahead in the same block.
    mov word [cs:.imm + 1], 0x5678
    nop
    nop
.imm:
    mov di, 0x1234
    retf

vectors: db 0x41, 0x43, 0x40, 0x42
ramcode_end:
