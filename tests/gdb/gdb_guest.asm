; The guest the gdbstub tests drive (tests/gdb/gdb_test.py): a paged protected-mode program
; with a function that changes a variable, a software interrupt, a page fault and FS on a
; segment whose hidden base is not 0; at its end, the accesses a watchpoint sees beyond plain
; operands (a REP string instruction's destination, a push) and one it does not (the IDT read
; of an INT), and a read through FS. Its labels reach the test through nasm's symbol map.
; It passes (status 33) only if everything happened as written and gdb stored 0x1234 in `poked`.
%ifdef MAPFILE
[map symbols MAPFILE]
%endif
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define L_NP 0x401000
%define SEL_FS 0x30
%define FS_BASE 0x00123000
%define ROUNDS 5

start:
    PM_INIT
    PAGING_INIT
    SETGATE 14, pf_handler, 0x8E00
    SETGATE 0x40, soft_handler, 0x8E00
    SETDESC SEL_FS, FS_BASE, 0xFFFF, 0x92
    mov ax, SEL_FS
    mov fs, ax
    mov dword [pg_data + 0x10], 0x600DF00D
    mov esi, ROUNDS
rounds:
    call victim
    dec esi
    jnz rounds
int_insn:
    int 0x40
after_int:
pf_insn:
    mov eax, [L_NP + 0x10]
after_pf:
    cmp dword [counter], ROUNDS * 3
after_cmp:
    CHECK e, 1
    cmp dword [soft_count], 1
    CHECK e, 2
    cmp eax, 0x600DF00D
    CHECK e, 3
    cmp dword [poked], 0x1234
    CHECK e, 4
done:
    call implicit
    PASS

; Adds 3 to counter, one at a time: the write a watchpoint catches is the second.
victim:
    inc dword [counter]
victim_write:
    add dword [counter], 2
victim_ret:
    ret

soft_handler:
    inc dword [soft_count]
    iretd

pf_handler:
    MAP L_NP, pg_data + (PG_P | PG_W)
pf_handler_next:
    add esp, 4
    iretd

counter: dd 0
soft_count: dd 0
poked: dd 0

implicit:
    mov edi, strdst
    mov eax, 0x5A5A5A5A
    mov ecx, 4
implicit_stos:
    rep stosd
    push dword 0x77
implicit_after_push:
    add esp, 4
    int 0x40
; gdb's amd64 test gives FS another base here: the value read through it must come from there.
fs_probe:
    mov ebx, [fs:0]
    mov [fs_seen], ebx
    ret

strdst: times 4 dd 0
fs_seen: dd 0

    PM_CODE
    PM_DATA
    PM_BSS
alignb 4096
pg_data: resb 4096
bss_end:
