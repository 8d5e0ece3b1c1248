; Self-modifying code as the JIT meets it; the same results under both engines (engines.sh).
; Each patch lands in code that already ran (so is translated), and is run again at once:
;   a store into the NEXT instruction of the running block, also by a PUSH and a REP MOVSB
;   a store into another block of the same page, reached through a jump the JIT links, made
;   by the block that jumps or from elsewhere after the link was used
;   the same for a block in another page
;   20,000 5-byte call sites across 25 pages, each run once, then patched to 5-byte NOPs (the
;   calls must stop) and back to calls (they must come back)
%include "lib/multiboot.inc"

%define ROUNDS 1000
%define SITES 20000
%define SITE_AREA 0x400000          ; 100,000 bytes of generated call sites, then a RET

; LINKED_ROUNDS imm, entry, code: for 1..ROUNDS, stores the round into `imm` (the immediate of
; a MOV EBX) and calls `entry` three times, which jumps to that MOV: the first call translates
; the target, the second links the jump, the third follows the link. All must see the store.
%macro LINKED_ROUNDS 3
    mov ecx, 1
%%round:
    mov [%1], ecx
%rep 3
    call %2
    cmp ebx, ecx
    CHECK e, %3
%endrep
    inc ecx
    cmp ecx, ROUNDS
    jbe %%round
%endmacro

; PATCH_ROUNDS function, code: calls `function` with EAX = 1..ROUNDS; it stores EAX over an
; immediate and runs it, returning it in EBX; the sum must come out.
%macro PATCH_ROUNDS 2
    xor esi, esi
    mov ecx, 1
%%round:
    mov eax, ecx
    call %1
    add esi, ebx
    inc ecx
    cmp ecx, ROUNDS
    jbe %%round
    cmp esi, ROUNDS * (ROUNDS + 1) / 2
    CHECK e, %2
%endmacro

start:
    mov esp, stack_top
    cld

    ; The next instruction: EBX takes the immediate just stored over it.
    PATCH_ROUNDS patch_next, 1
    PUTS `store into the next instruction of the block ok\n`
    PATCH_ROUNDS push_next, 9
    PATCH_ROUNDS movs_next, 10
    PUTS `PUSH and REP MOVSB over the next instruction ok\n`

    ; Same page, other block: the jump into it was linked while it held the old code.
    PATCH_ROUNDS patch_same_page, 2
    LINKED_ROUNDS same_imm, same_page_jump, 7
    PUTS `store into another block of the same page ok\n`

    ; Another page.
    PATCH_ROUNDS patch_other_page, 3
    LINKED_ROUNDS other_imm, other_page_jump, 8
    PUTS `store into a block in another page ok\n`

    ; Call sites: E8 rel32 to count_call each, a RET after the last.
    call write_call_sites
    mov byte [SITE_AREA + 5 * SITES], 0xC3
    call SITE_AREA
    cmp dword [calls], SITES
    CHECK e, 4
    PUTS `20000 call sites run once ok\n`
    mov edi, SITE_AREA
    mov ecx, SITES
.nop:
    mov dword [edi], 0x00441F0F         ; nop dword [eax + eax + 0]
    mov byte [edi + 4], 0
    add edi, 5
    dec ecx
    jnz .nop
    mov dword [calls], 0
    call SITE_AREA
    cmp dword [calls], 0
    CHECK e, 5
    PUTS `patched to 5-byte NOPs: no call left ok\n`
    call write_call_sites
    call SITE_AREA
    cmp dword [calls], SITES
    CHECK e, 6
    PUTS `patched back to calls: all of them run ok\n`
    PASS

count_call:
    inc dword [calls]
    ret

; SITES 5-byte `call count_call` one after another from SITE_AREA (over translated code the
; second time). Clobbers EAX, ECX, EDI.
write_call_sites:
    mov edi, SITE_AREA
    mov ecx, SITES
.site:
    mov byte [edi], 0xE8
    mov eax, count_call
    sub eax, edi
    sub eax, 5
    mov [edi + 1], eax
    add edi, 5
    dec ecx
    jnz .site
    ret

; EAX -> the immediate of the MOV that follows the store; returns it in EBX.
align 64
patch_next:
    mov [.imm], eax
    db 0xBB                             ; mov ebx, imm32
.imm: dd 0
    ret

; The same with the stack pointing into the code.
align 64
push_next:
    mov [saved_esp], esp
    mov esp, .imm + 4
    push eax
    db 0xBB
.imm: dd 0
    cmp esp, .imm                   ; the PUSH completed: ESP moved too
    mov esp, [saved_esp]
    CHECK e, 30
    ret

; The same by a string copy of a whole MOV EBX, imm32.
align 64
movs_next:
    push ecx
    push esi
    mov [movs_source + 1], eax
    mov esi, movs_source
    mov edi, .mov
    mov ecx, 5
    rep movsb
.mov:
    mov ebx, 0
    pop esi
    pop ecx
    ret

; The jump below links to .target's block (same page); the store must undo that link.
align 64
patch_same_page:
    mov [.imm], eax
    jmp .target
    times 64 nop
.target:
    db 0xBB
.imm: dd 0
    ret

align 64
same_page_jump:
    xor ebx, ebx
    jmp .target
    times 64 nop
.target:
    db 0xBB
same_imm: dd 0
    ret

align 4096
patch_other_page:
    mov [other_imm], eax
    jmp other_target

other_page_jump:
    xor ebx, ebx
    jmp other_target

align 4096
other_target:
    db 0xBB
other_imm: dd 0
    ret

align 4
calls: dd 0
saved_esp: dd 0

align 4096
movs_source:
    mov ebx, 0

section .bss
    resb 4096
stack_top:
bss_end:
