; Double faults: a #NP while delivering #GP becomes #DF(0) through an interrupt gate, one while
; delivering the benign #UD stays a #NP; a #PF while pushing the frame of a #PF becomes #DF(0)
; through a task gate to a task with its own stack (the faulting task's stack is not present).
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_DF_TSS 0x30
%define L_NP 0x401000

start:
    PM_INIT
    and byte [idt + 13 * 8 + 5], 0x7F        ; #GP gate not present
    TRY mov ds, [bad_sel]
    EXPECT_FAULT 8, 0, 1
    PUTS `#NP delivering #GP: #DF(0) ok\n`
    or byte [idt + 13 * 8 + 5], 0x80
    TRY mov ds, [bad_sel]
    EXPECT_FAULT 13, 0x7F8, 2
    PUTS `#GP alone: #GP(sel) ok\n`

    and byte [idt + 6 * 8 + 5], 0x7F         ; #UD gate not present: benign, no #DF
    TRY ud2
    EXPECT_FAULT 11, 6 * 8 + 2 + 1, 3
    or byte [idt + 6 * 8 + 5], 0x80
    PUTS `#NP delivering #UD: #NP(IDT|EXT), no #DF ok\n`

    PAGING_INIT
    TASK SEL_DF_TSS, df_tss, df_task, df_stack_top
    TASKGATE 8, SEL_DF_TSS
    mov esp, L_NP + 0x1000                   ; the stack page is not present
    mov eax, [L_NP + 0x10]
    FAIL 6

df_task:
    pop eax
    cmp eax, 0
    CHECK e, 4
    mov eax, cr2
    cmp eax, L_NP + 0x1000 - 4
    CHECK e, 4
    cmp word [df_tss], SEL_TSS               ; back link
    CHECK e, 5
    pushfd
    test dword [esp], 0x4000                 ; NT
    CHECK nz, 5
    PUTS `#PF pushing a #PF frame: #DF(0) in a task ok\n`
    PASS

    PM_CODE
    PM_DATA
bad_sel: dw 0x7F8
    PM_BSS
df_tss: resb 104
alignb 16
    resb 1024
df_stack_top:
bss_end:
