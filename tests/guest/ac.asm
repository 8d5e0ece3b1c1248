; Alignment check: #AC(0) needs CPL 3, CR0.AM and EFLAGS.AC together.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define EFL_AC 0x40000

start:
    PM_INIT
    mov eax, cr0
    or eax, 0x40000                      ; AM
    mov cr0, eax

    mov dword [u_eflags], 0x002 | EFL_AC
    RING3 user_misaligned_dword
    EXPECT_FAULT 17, 0, 1
    PUTS `CPL 3, AM, AC: misaligned dword raises #AC(0) ok\n`
    RING3 user_misaligned_word
    EXPECT_FAULT 17, 0, 2
    PUTS `CPL 3, AM, AC: misaligned word raises #AC(0) ok\n`
    RING3 user_aligned
    EXPECT_FAULT VEC_BACK, 0, 3
    PUTS `CPL 3, AM, AC: aligned accesses run ok\n`

    pushfd
    or dword [esp], EFL_AC
    popfd
    TRY mov eax, [buf + 1]
    EXPECT_NO_FAULT 4
    pushfd
    and dword [esp], ~EFL_AC
    popfd
    PUTS `CPL 0: no #AC ok\n`

    mov dword [u_eflags], 0x002
    RING3 user_misaligned_dword
    EXPECT_FAULT VEC_BACK, 0, 5
    PUTS `CPL 3, AC=0: no #AC ok\n`

    mov eax, cr0
    and eax, ~0x40000
    mov cr0, eax
    mov dword [u_eflags], 0x002 | EFL_AC
    RING3 user_misaligned_dword
    EXPECT_FAULT VEC_BACK, 0, 6
    PUTS `CPL 3, AM=0: no #AC ok\n`
    PASS

user_misaligned_dword:
    mov eax, [buf + 1]
    int VEC_BACK
user_misaligned_word:
    mov word [buf + 3], 1
    int VEC_BACK
user_aligned:
    mov eax, [buf + 4]
    mov word [buf + 2], 1
    mov al, [buf + 1]
    int VEC_BACK

    PM_CODE
    PM_DATA
align 8
buf: times 16 db 0
    PM_BSS
bss_end:
