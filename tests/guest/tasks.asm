; Hardware task switches: JMP to a TSS (busy bits move, no back link, registers saved and
; restored), CALL through a task gate (back link, NT, the caller stays busy) and IRET back,
; #GP on a busy TSS, CR0.TS set by every switch.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_B 0x30
%define SEL_C 0x38
%define SEL_GATE_C 0x40
%define EFL_NT 0x4000

; BUSY sel, cc, code: the TSS descriptor's busy bit tested with condition cc (nz busy, z free).
%macro BUSY 3
    test byte [gdt + (%1) + 5], 2
    CHECK %2, %3
%endmacro

start:
    PM_INIT
    TASK SEL_B, tss_b, task_b, stack_b
    mov dword [tss_b + 0x28], 0xB0B0B0B0        ; EAX
    TASK SEL_C, tss_c, task_c, stack_c
    mov dword [gdt + SEL_GATE_C], SEL_C << 16
    mov dword [gdt + SEL_GATE_C + 4], 0x8500

    clts
    mov ebx, 0x1234
    jmp SEL_B:0
    ; task_b jumps back here
    cmp ebx, 0x1234
    CHECK e, 3
    str ax
    cmp ax, SEL_TSS
    CHECK e, 3
    BUSY SEL_TSS, nz, 3
    BUSY SEL_B, z, 3
    TS_SET 3
    PUTS `JMP back to the first task: registers and busy bits ok\n`

    TRY jmp SEL_TSS:0
    EXPECT_FAULT 13, SEL_TSS, 4
    PUTS `JMP to a busy TSS: #GP(sel) ok\n`

    clts
    mov dword [c_runs], 0
    call SEL_GATE_C:0
    cmp dword [c_runs], 1
    CHECK e, 6
    pushfd
    test dword [esp], EFL_NT
    CHECK z, 6
    popfd
    BUSY SEL_C, z, 6
    BUSY SEL_TSS, nz, 6
    TS_SET 6
    PUTS `IRET from the called task: NT clear, busy bits ok\n`
    call SEL_GATE_C:0
    cmp dword [c_runs], 2
    CHECK e, 7
    PUTS `second CALL through the gate resumes the task ok\n`
    PASS

task_b:
    cmp eax, 0xB0B0B0B0
    CHECK e, 1
    str ax
    cmp ax, SEL_B
    CHECK e, 1
    BUSY SEL_B, nz, 1
    BUSY SEL_TSS, z, 1
    TS_SET 1
    pushfd
    test dword [esp], EFL_NT
    CHECK z, 2
    popfd
    cmp word [tss_b], 0                          ; JMP writes no back link
    CHECK e, 2
    PUTS `JMP to a TSS: state loaded, busy bits moved, TS set ok\n`
    xor ebx, ebx
    jmp SEL_TSS:0

task_c:
    cmp word [tss_c], SEL_TSS                    ; back link
    CHECK e, 5
    pushfd
    test dword [esp], EFL_NT
    CHECK nz, 5
    popfd
    BUSY SEL_C, nz, 5
    BUSY SEL_TSS, nz, 5
    TS_SET 5
    cmp dword [c_runs], 0
    jne .again
    PUTS `CALL through a task gate: back link, NT, both busy ok\n`
.again:
    inc dword [c_runs]
    iretd
    jmp task_c

    PM_CODE
    PM_DATA
c_runs: dd 0
    PM_BSS
tss_b: resb 104
tss_c: resb 104
alignb 16
    resb 1024
stack_b:
    resb 1024
stack_c:
bss_end:
