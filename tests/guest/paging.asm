; 2-level paging with 4 KiB and 4 MiB pages: #PF error codes and CR2, A/D bits, what the TLB
; may and may not keep (no cached not-present entries, retry after #PF, INVLPG, MOV CR3 and
; global pages, CR4.PGE toggles, INVLPG inside a 4 MiB page) and code modified through an alias.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define L_NP    0x401000    ; starts not present
%define L_AD    0x402000
%define L_RO    0x403000
%define L_SUP   0x404000
%define L_URO   0x405000
%define L_REMAP 0x406000
%define L_GLOB  0x407000
%define L_CODE  0x408000
%define L_CODE2 0x409000
%define L_UNP   0x40A000
%define L_SPLIT 0x40B000    ; present, followed by a not-present page
%define LARGE   0x800000
%define PTE(l)  (pt1 + (((l) >> 12) & 0x3FF) * 4)

%macro MARKERS 0
    mov dword [pg_a], 0xAAAA0001
    mov dword [pg_b], 0xBBBB0002
%endmacro

start:
    PM_INIT
    PAGING_INIT
    MARKERS

    TRY mov eax, [L_NP + 8]
    EXPECT_FAULT 14, 0, 1
    EXPECT_CR2 L_NP + 8, 1
    PUTS `not-present read: #PF(0), CR2 ok\n`
    TRY mov dword [L_NP + 12], 5
    EXPECT_FAULT 14, 2, 2
    EXPECT_CR2 L_NP + 12, 2
    PUTS `not-present write: #PF(W), CR2 ok\n`
    MAP L_NP, pg_a + (PG_P | PG_W)
    READS L_NP, 0xAAAA0001, 3
    PUTS `PTE made present without INVLPG: seen ok\n`

    ; A in PDE and PTE on a read, D only on the first write, even after a read cached the page.
    and dword [pd + 4], ~PG_A
    mov eax, cr3
    mov cr3, eax
    MAP L_AD, pg_b + (PG_P | PG_W)
    READS L_AD, 0xBBBB0002, 4
    test dword [pd + 4], PG_A
    CHECK nz, 4
    mov eax, [PTE(L_AD)]
    and eax, PG_A | PG_D
    cmp eax, PG_A
    CHECK e, 4
    PUTS `read sets A in PDE and PTE, not D ok\n`
    mov dword [L_AD + 4], 0x12345678
    test dword [PTE(L_AD)], PG_D
    CHECK nz, 5
    cmp dword [pg_b + 4], 0x12345678
    CHECK e, 5
    and dword [PTE(L_AD)], ~PG_D
    invlpg [L_AD]
    mov eax, [L_AD]
    test dword [PTE(L_AD)], PG_D
    CHECK z, 5
    mov dword [L_AD + 4], 0x9ABCDEF0
    test dword [PTE(L_AD)], PG_D
    CHECK nz, 5
    PUTS `first write sets D after a read ok\n`

    ; Supervisor writes to a read-only page fault with CR0.WP=1 and go through with WP=0.
    MAP L_RO, pg_b + PG_P
    TRY mov dword [L_RO + 8], 0x55
    EXPECT_FAULT 14, 3, 6
    EXPECT_CR2 L_RO + 8, 6
    PUTS `supervisor write, read-only, WP=1: #PF(P|W) ok\n`
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax
    TRY mov dword [L_RO + 8], 0x66
    EXPECT_NO_FAULT 7
    cmp dword [pg_b + 8], 0x66
    CHECK e, 7
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    PUTS `supervisor write, read-only, WP=0: done ok\n`
    TRY mov dword [L_RO + 8], 0x67
    EXPECT_FAULT 14, 3, 7
    cmp dword [pg_b + 8], 0x66
    CHECK e, 7
    PUTS `WP set again: the write that went through faults ok\n`

    ; Read-only upgraded to writable without INVLPG: a first write may fault; the retry works.
    MAP L_RO, pg_b + PG_P
    mov eax, [L_RO]
    MAP L_RO, pg_b + (PG_P | PG_W)
    TRY mov dword [L_RO + 12], 0x77
    cmp byte [f_vec], NO_FAULT
    je .upgraded
    EXPECT_FAULT 14, 3, 8
    TRY mov dword [L_RO + 12], 0x77
    EXPECT_NO_FAULT 8
.upgraded:
    cmp dword [pg_b + 12], 0x77
    CHECK e, 8
    PUTS `read-only upgraded to writable: write lands ok\n`

    ; A dword store across into a not-present page faults before writing its first half.
    MAP L_SPLIT, pg_a + (PG_P | PG_W)
    mov dword [pg_a + 0xFFC], 0
    TRY mov dword [L_SPLIT + 0xFFE], 0x11223344
    EXPECT_FAULT 14, 2, 21
    cmp dword [pg_a + 0xFFC], 0
    CHECK e, 21
    PUTS `page-crossing store into a not-present page: #PF, nothing written ok\n`

    ; User accesses (ring 3 through IRETD).
    MAP L_SUP, pg_a + (PG_P | PG_W)
    RING3 user_read_sup
    EXPECT_FAULT 14, 5, 9
    EXPECT_CR2 L_SUP, 9
    PUTS `user read of a supervisor page: #PF(P|U) ok\n`
    MAP L_URO, pg_a + (PG_P | PG_U)
    RING3 user_read_ro
    EXPECT_FAULT VEC_BACK, 0, 10
    RING3 user_write_ro
    EXPECT_FAULT 14, 7, 10
    EXPECT_CR2 L_URO + 4, 10
    PUTS `user write of a read-only page: #PF(P|W|U) ok\n`
    RING3 user_write_np
    EXPECT_FAULT 14, 6, 11
    EXPECT_CR2 L_UNP, 11
    PUTS `user write of a not-present page: #PF(W|U) ok\n`

    ; INVLPG and MOV CR3 make a remapped (non-global) page visible.
    MARKERS
    MAP L_REMAP, pg_a + (PG_P | PG_W)
    READS L_REMAP, 0xAAAA0001, 12
    MAP L_REMAP, pg_b + (PG_P | PG_W)
    invlpg [L_REMAP]
    READS L_REMAP, 0xBBBB0002, 12
    PUTS `INVLPG shows the remapped page ok\n`
    MAP L_REMAP, pg_a + (PG_P | PG_W)
    mov eax, cr3
    mov cr3, eax
    READS L_REMAP, 0xAAAA0001, 13
    PUTS `MOV CR3 shows the remapped page ok\n`

    ; A global page survives MOV CR3 (read through the stale translation) but not a PGE toggle.
    mov eax, cr4
    or eax, 0x80
    mov cr4, eax
    MAP L_GLOB, pg_a + (PG_P | PG_W | PG_G)
    READS L_GLOB, 0xAAAA0001, 14
    MAP L_GLOB, pg_b + (PG_P | PG_W | PG_G)
    mov eax, cr3
    mov cr3, eax
    READS L_GLOB, 0xAAAA0001, 14
    PUTS `global page kept across MOV CR3 ok\n`
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    or eax, 0x80
    mov cr4, eax
    READS L_GLOB, 0xBBBB0002, 15
    PUTS `CR4.PGE toggle drops the global page ok\n`

    ; A 4 MiB page aliasing 0-4 MiB; INVLPG in its middle drops every piece of it.
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov dword [pd + 8], PG_P | PG_W | PG_PS
    READS LARGE + pg_a, 0xAAAA0001, 16
    READS LARGE + pg_b, 0xBBBB0002, 16
    mov eax, [pd + 8]
    and eax, PG_A | PG_D
    cmp eax, PG_A
    CHECK e, 16
    mov dword [LARGE + pg_a + 16], 0x44
    test dword [pd + 8], PG_D
    CHECK nz, 16
    PUTS `4 MiB page maps, A then D set in its PDE ok\n`
    mov eax, pg_a
    shr eax, 12
    mov dword [pt2 + eax * 4], pg_b + (PG_P | PG_W)    ; the image lies below 4 MiB
    mov eax, pg_b
    shr eax, 12
    mov dword [pt2 + eax * 4], pg_a + (PG_P | PG_W)
    mov dword [pd + 8], pt2 + (PG_P | PG_W)
    invlpg [LARGE + 0x200000]
    READS LARGE + pg_a, 0xBBBB0002, 17
    READS LARGE + pg_b, 0xAAAA0001, 17
    PUTS `INVLPG inside a 4 MiB page drops all of it ok\n`

    ; Code written through an alias runs at the other address.
    MAP L_CODE, pg_code + (PG_P | PG_W)
    MAP L_CODE2, pg_code + (PG_P | PG_W)
    mov byte [L_CODE2], 0xB8             ; mov eax, imm32
    mov dword [L_CODE2 + 1], 1
    mov byte [L_CODE2 + 5], 0xC3         ; ret
    call L_CODE
    cmp eax, 1
    CHECK e, 18
    mov dword [L_CODE2 + 1], 2
    call L_CODE
    cmp eax, 2
    CHECK e, 18
    PUTS `code modified through an alias runs ok\n`

    ; Only the ring 3 code page stays a user page: the GDT, IDT, TSS and ring 0 stack accesses
    ; of a ring 3 event are supervisor accesses and must not fault.
    xor ecx, ecx
.supervisor:
    and dword [pt0 + ecx * 4], ~PG_U
    inc ecx
    cmp ecx, 1024
    jne .supervisor
    mov eax, user_code
    shr eax, 12
    or dword [pt0 + eax * 4], PG_U
    mov eax, cr3
    mov cr3, eax
    RING3 user_read_ro
    EXPECT_FAULT VEC_BACK, 0, 19
    RING3 user_write_ro
    EXPECT_FAULT 14, 7, 19
    RING3 user_read_gdt
    EXPECT_FAULT 14, 5, 20
    EXPECT_CR2 gdt, 20
    PUTS `ring 3 events use supervisor accesses to GDT, IDT, TSS, stack ok\n`
    PASS

align 4096
user_code:
user_read_gdt:
    mov eax, [gdt]
    int VEC_BACK
    USER_PAGE_STUBS
user_write_np:
    mov dword [L_UNP], 1
    int VEC_BACK
align 4096

    PM_CODE
    PM_DATA
    PM_BSS
alignb 4096
pt2: resb 4096
pg_a: resb 4096
pg_b: resb 4096
pg_code: resb 4096
bss_end:
