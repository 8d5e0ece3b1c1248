; Fault-loop benchmark program: a loop whose every pass takes #UD (UD2), #GP (a load past a
; segment limit) and #PF (a load from a not-present page), each handler stepping over the
; faulting instruction. It measures the cost of delivering guest exceptions.
%include "fault_frame.inc"

PASSES equ 1000000

start:
    FAULT_FRAME 0

    mov ax, 0x18              ; a data segment of 4 KiB
    mov es, ax
    mov ebx, 0x2000           ; past ES's limit
    mov edx, UNMAPPED
    mov ecx, PASSES
.loop:
    ud2
    mov eax, [es:ebx]         ; #GP(0)
    mov eax, [edx]            ; #PF
    dec ecx
    jnz .loop
    PASS

ud_handler:                   ; UD2 is 2 bytes
    add dword [esp], 2
    iret
gp_handler:                   ; the load with its ES prefix is 3 bytes
    add esp, 4
    add dword [esp], 3
    iret
pf_handler:
    add esp, 4
    add dword [esp], 2
    iret

align 8
idt:
    times 6 dq 0
    GATE ud_handler           ; 6
    times 6 dq 0
    GATE gp_handler           ; 13
    GATE pf_handler           ; 14
idt_desc:
    dw $ - idt - 1
    dd idt
    FAULT_TABLES
