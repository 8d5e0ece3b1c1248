; Fault-mix benchmark program: a loop whose every pass takes the guest exceptions fault_loop.asm
; does not, each from another kind of instruction: #DE (DIV by zero), #PF on a read-modify-write
; destination, on an ALU source, on PUSH's memory source, on POP to memory and on MOVZX; #GP on
; REP STOSD and an ALU source past a segment limit and on a segment load; #NM on an x87
; instruction with CR0.TS set. EBP holds the faulting instruction's length, which the one handler
; steps over. It measures what delivering exceptions from the semantics at large costs.
%include "fault_frame.inc"

PASSES equ 100000

start:
    FAULT_FRAME 0x8           ; CR0.TS

    mov ax, 0x18              ; a data segment of 4 KiB
    mov es, ax
    mov ebx, 0x2000           ; past ES's limit
    mov edx, UNMAPPED
    xor esi, esi
    mov edi, UNMAPPED
    mov ecx, PASSES
.loop:
    mov ebp, 2
    div esi                   ; #DE
    add [edx], eax            ; #PF
    cmp eax, [edx]            ; #PF
    push dword [edx]          ; #PF
    pop dword [edx]           ; #PF (the pushed value is read back, then the store faults)
    rep stosd                 ; #GP(0): ES:EDI is past ES's limit
    fld1                      ; #NM
    mov ebp, 3
    movzx eax, byte [edx]     ; #PF
    add eax, [es:ebx]         ; #GP(0)
    mov ebp, 6
    mov fs, [bad_selector]    ; #GP(0x1234)
    dec ecx
    jnz .loop
    PASS

skip_error:                   ; the vectors with an error code
    add esp, 4
skip:
    add [esp], ebp
    iret

align 8
idt:
    GATE skip                 ; 0 #DE
    times 6 dq 0
    GATE skip                 ; 7 #NM
    times 5 dq 0
    GATE skip_error           ; 13 #GP
    GATE skip_error           ; 14 #PF
idt_desc:
    dw $ - idt - 1
    dd idt
bad_selector:
    dw 0x1234                 ; an LDT selector with no LDT
    FAULT_TABLES
