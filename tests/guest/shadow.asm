; The MOV SS / POP SS shadow holds off the single-step trap: with TF set, the #DB comes after
; the instruction that follows the SS load, reporting that instruction's successor as EIP.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define EFLAGS_TF 0x100
%define DR6_BS    0x4000

; TF_ON: set TF; the first trap follows the instruction after POPFD.
%macro TF_ON 0
    mov dword [db_count], 0
    pushfd
    or dword [esp], EFLAGS_TF
    popfd
%endmacro

; ONE_TRAP_AT eip, code: exactly one single-step #DB, reported at eip.
%macro ONE_TRAP_AT 2
    cmp dword [db_count], 1
    CHECK e, %2
    cmp dword [db_eip], %1
    CHECK e, %2
    test dword [db_dr6], DR6_BS
    CHECK nz, %2
%endmacro

start:
    PM_INIT
    SETGATE 1, db_handler, 0x8E00
    mov ax, ss

    TF_ON
    nop
.plain:
    nop
    ONE_TRAP_AT .plain, 1
    PUTS `single step after an ordinary instruction ok\n`

    TF_ON
    mov ss, ax
    mov ebx, 1
.after_next1:
    ONE_TRAP_AT .after_next1, 2
    cmp dword [db_ebx], 1
    CHECK e, 2
    PUTS `MOV SS: #DB after the next instruction ok\n`

    push ss
    TF_ON
    pop ss
    mov ebx, 2
.after_next2:
    ONE_TRAP_AT .after_next2, 3
    cmp dword [db_ebx], 2
    CHECK e, 3
    PUTS `POP SS: #DB after the next instruction ok\n`
    PASS

; Records the trap and returns with TF clear, so each TF_ON yields at most one trap.
db_handler:
    inc dword [db_count]
    push eax
    mov eax, [esp + 4]
    mov [db_eip], eax
    mov [db_ebx], ebx
    mov eax, dr6
    mov [db_dr6], eax
    xor eax, eax
    mov dr6, eax
    and dword [esp + 12], ~EFLAGS_TF
    pop eax
    iretd

    PM_CODE
    PM_DATA
db_count: dd 0
db_eip: dd 0
db_ebx: dd 0
db_dr6: dd 0
    PM_BSS
bss_end:
