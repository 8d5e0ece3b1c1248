; A #PF in the middle of a straight-line block, under both engines (engines.sh): a load, then a
; store, from a not-present page. The handler records the frame, CR2 and the registers, maps
; the page and IRETs; the instruction then completes. Registers and flags written by the
; instructions before the faulting one must be visible to the handler, those of the ones after
; it not yet; the faulting load's destination must be unchanged. Three rounds each (the page
; unmapped again), so the fault also hits code that is already translated.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define L_NP 0x401000
%define SENTINEL 0x5E5E5E5E
%define ARITH 0x8D5                 ; OF SF ZF AF PF CF
; Slots of pf_regs: PUSHAD's image, then the error code, EIP, CS, EFLAGS of the #PF frame.
%define R_EDI 0
%define R_ESI 4
%define R_EBX 16
%define R_EDX 20
%define R_ECX 24
%define R_EAX 28
%define R_ERR 32
%define R_EIP 36
%define R_EFLAGS 44

; SAVED slot, value, code
%macro SAVED 3
    cmp dword [pf_regs + %1], %2
    CHECK e, %3
%endmacro

; UNMAP: the page not present again, its stale translation dropped.
%macro UNMAP 0
    MAP L_NP, 0
    invlpg [L_NP]
    mov dword [pf_count], 0
    mov ecx, SENTINEL
    mov edx, SENTINEL
    mov esi, SENTINEL
    mov edi, SENTINEL
%endmacro

start:
    PM_INIT
    PAGING_INIT
    cld
    SETGATE 14, pf_handler, 0x8E00
    mov dword [pg_data + 0x10], 0x1234ABCD

    mov ebp, 3
.load_round:
    UNMAP
    call load_block
    cmp dword [pf_count], 1
    CHECK e, 1
    SAVED R_ERR, 0, 2                   ; read, not present, supervisor
    SAVED R_EIP, load_insn, 3
    cmp dword [pf_cr2], L_NP + 0x10
    CHECK e, 4
    SAVED R_EAX, 1, 5                   ; written before the load
    SAVED R_EBX, 2, 5
    SAVED R_ECX, SENTINEL, 6            ; the load's destination
    SAVED R_EDX, SENTINEL, 7            ; written after it
    SAVED R_ESI, SENTINEL, 7
    mov eax, [pf_regs + R_EFLAGS]
    and eax, ARITH
    cmp eax, 0x95                       ; 1 - 2: CF PF AF SF
    CHECK e, 8
    cmp ecx, 0x1234ABCD                 ; the retried load
    CHECK e, 9
    cmp edx, 4
    CHECK e, 9
    cmp esi, 5
    CHECK e, 9
    cmp edi, 3
    CHECK e, 9
    dec ebp
    jnz .load_round
    PUTS `#PF on a load mid-block: EIP, CR2, error code, registers, flags ok\n`

    mov ebp, 3
.store_round:
    UNMAP
    call store_block
    cmp dword [pf_count], 1
    CHECK e, 10
    SAVED R_ERR, 2, 11                  ; write, not present, supervisor
    SAVED R_EIP, store_insn, 12
    cmp dword [pf_cr2], L_NP + 0x20
    CHECK e, 13
    SAVED R_EAX, 8, 14
    SAVED R_EBX, SENTINEL - 1, 14       ; DEC before the store
    SAVED R_EDX, SENTINEL, 15
    mov eax, [pf_regs + R_EFLAGS]
    and eax, ARITH
    cmp eax, 0x01                       ; CMP 8, 9 set CF; DEC of 5E5E5E5E kept it, cleared the rest
    CHECK e, 16
    cmp dword [pg_data + 0x20], 8
    CHECK e, 17
    cmp edx, 9
    CHECK e, 17
    dec ebp
    jnz .store_round
    PUTS `#PF on a store mid-block: EIP, CR2, error code, registers, flags ok\n`
    PASS

load_block:
    mov eax, 1
    mov ebx, 2
    cmp eax, ebx
load_insn:
    mov ecx, [L_NP + 0x10]
    mov edx, 4
    mov esi, 5
    lea edi, [eax + ebx]
    ret

store_block:
    mov eax, 7
    add eax, 1
    cmp eax, 9
    mov ebx, SENTINEL
    dec ebx
store_insn:
    mov [L_NP + 0x20], eax
    mov edx, 9
    ret

pf_handler:
    pushad
    mov esi, esp
    mov edi, pf_regs
    mov ecx, 12
    rep movsd
    mov eax, cr2
    mov [pf_cr2], eax
    inc dword [pf_count]
    MAP L_NP, pg_data + (PG_P | PG_W)   ; not present before: no INVLPG needed
    popad
    add esp, 4
    iretd

pf_count: dd 0
pf_cr2: dd 0
pf_regs: times 12 dd 0

    PM_CODE
    PM_DATA
    PM_BSS
alignb 4096
pg_data: resb 4096
bss_end:
