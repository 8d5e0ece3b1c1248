; Debug architecture: counts single-step traps over a known instruction sequence, then arms a
; DR0 data write breakpoint and checks the trap comes after the store with DR6.B0 and the EIP
; of the following instruction.
%include "lib/multiboot.inc"
%include "lib/flat.inc"

start:
    mov esp, stack_top
    FLAT_INIT
    FLAT_GATE 1, db_handler

    ; Single-step: POPFD sets TF, so the first trap follows the first NOP. Four NOPs, then
    ; PUSHFD, AND and the POPFD that clears TF: seven traps.
    mov dword [db_count], 0
    pushfd
    or dword [esp], 0x100
    popfd
    nop
    nop
    nop
    nop
    pushfd
    and dword [esp], ~0x100
    popfd
    cmp dword [db_count], 7
    CHECK e, 1

    ; Data write breakpoint on the dword at `watched` (L0, R/W0 = write, LEN0 = 4 bytes).
    mov dword [db_count], 0
    xor eax, eax
    mov dr6, eax
    mov eax, watched
    mov dr0, eax
    mov eax, 0x000D0001
    mov dr7, eax
    mov eax, [watched]              ; a read does not match
    mov byte [watched + 2], 5       ; a byte inside the range does
after_store:
    xor eax, eax
    mov dr7, eax
    cmp dword [db_count], 1
    CHECK e, 2
    cmp dword [db_eip], after_store
    CHECK e, 3
    mov eax, dr6
    and eax, 0x400F
    cmp eax, 1
    CHECK e, 4
    cmp byte [watched + 2], 5
    CHECK e, 5
    PASS

db_handler:
    push eax
    add dword [db_count], 1
    mov eax, [esp + 4]
    mov [db_eip], eax
    pop eax
    iretd

FLAT_TABLES
db_count: dd 0
db_eip: dd 0
watched: dd 0

section .bss
FLAT_IDT
    resb 4096
stack_top:
bss_end:
