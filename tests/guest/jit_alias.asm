; Code modified through an aliased linear mapping (two linear pages -> one physical page) while
; it runs, under both engines (engines.sh): the store goes through one linear address, the code
; runs at the other, and the changed instruction runs right after, reached
;   by an IRET to it, as the next instruction of the same block, from an interrupt handler that
;   IRETs back to it, and with the roles of the two addresses swapped.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define ROUNDS 500
%define L_CODE  0x408000
%define L_ALIAS 0x409000
%define VEC_PATCH 0x40
%define AT_CODE(l) (L_CODE + (l) - tmpl)
%define AT_ALIAS(l) (L_ALIAS + (l) - tmpl)

; ROUND entry, code: calls entry with EAX = ECX and fails with `code` unless EBX = ECX after.
%macro ROUND 2
    mov eax, ecx
    xor ebx, ebx
    call %1
    cmp ebx, ecx
    CHECK e, %2
%endmacro

start:
    PM_INIT
    PAGING_INIT
    cld
    SETGATE VEC_PATCH, patch_handler, 0x8E00
    MAP L_CODE, pg_code + (PG_P | PG_W)
    MAP L_ALIAS, pg_code + (PG_P | PG_W)
    mov esi, tmpl
    mov edi, L_ALIAS
    mov ecx, tmpl_end - tmpl
    rep movsb
    mov ecx, 1
.round:
    ROUND AT_CODE(t_iret), 1
    ROUND AT_CODE(t_next), 2
    ROUND AT_CODE(t_int), 3
    ROUND AT_ALIAS(t_swapped), 4
    inc ecx
    cmp ecx, ROUNDS
    jbe .round
    PUTS `store through the alias, IRET to the changed code ok\n`
    PUTS `store through the alias into the next instruction ok\n`
    PUTS `interrupt handler patches through the alias, IRETs to it ok\n`
    PUTS `store at the code address, code run at the alias ok\n`
    PASS

patch_handler:
    mov [AT_ALIAS(int_imm)], eax
    iretd

; Copied to the page both addresses map; each piece returns the patched immediate in EBX.
tmpl:
t_iret:
    mov [AT_ALIAS(iret_imm)], eax
    pushfd
    push dword SEL_CODE0
    push dword AT_CODE(iret_mov)
    iretd
iret_mov:
    db 0xBB                             ; mov ebx, imm32
iret_imm: dd 0
    ret
t_next:
    mov [AT_ALIAS(next_imm)], eax
    db 0xBB
next_imm: dd 0
    ret
t_int:
    int VEC_PATCH
    db 0xBB
int_imm: dd 0
    ret
t_swapped:
    mov [AT_CODE(swapped_imm)], eax
    db 0xBB
swapped_imm: dd 0
    ret
tmpl_end:

    PM_CODE
    PM_DATA
    PM_BSS
alignb 4096
pg_code: resb 4096
bss_end:
