; PAE paging (run with -cpu max): every #PF error-code bit (P, W/R, U/S, RSVD, I/D with NX),
; no reserved-bit fault on a not-present entry, 2 MiB pages, A/D bits in PDE and PTE, CR0.WP,
; the PDPTE registers (loaded by MOV CR3 and by enabling paging, #GP on a reserved bit, not
; re-read by the walk), global pages across CR3 loads, INVLPG inside a 2 MiB page.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define L_NP    0x201000    ; starts not present
%define L_AD    0x202000
%define L_RO    0x203000
%define L_SUP   0x204000
%define L_URO   0x205000
%define L_RSVD  0x206000
%define L_L1TF  0x207000
%define L_NX    0x208000
%define L_GLOB  0x209000
%define L_LOCAL 0x20A000
%define L_XNP   0x20B000    ; never present
%define LARGE   0x400000    ; a 2 MiB page
%define PTE(l)  (pt1 + (((l) >> 12) & 0x1FF) * 8)
%define EFER    0xC0000080
%define NXE     0x800

; MAP lin, low, high: the 64-bit PTE of lin (2-4 MiB, through pt1).
%macro MAP 3
    mov dword [PTE(%1)], %2
    mov dword [PTE(%1) + 4], %3
%endmacro

%macro RELOAD_CR3 0
    mov eax, cr3
    mov cr3, eax
%endmacro

start:
    PM_INIT
    mov edi, pd
    xor eax, eax
    mov ecx, 3 * 1024
    rep stosd
    xor ecx, ecx
.identity:                                  ; 0-2 MiB, user and writable
    mov eax, ecx
    shl eax, 12
    or eax, PG_P | PG_W | PG_U
    mov [pt0 + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jne .identity
    mov dword [pd], pt0 + (PG_P | PG_W | PG_U)
    mov dword [pd + 8], pt1 + (PG_P | PG_W | PG_U)
    mov dword [pd + 16], PG_P | PG_W | PG_U | PG_PS    ; LARGE: physical 0-2 MiB
    mov dword [pdpt], pd + PG_P
    mov eax, cr4
    or eax, 0x20                            ; PAE
    mov cr4, eax
    mov eax, pdpt
    mov cr3, eax                            ; paging is off: no PDPTE load yet
    mov eax, 0x80050033                     ; PG AM WP NE ET MP PE: loads the PDPTEs
    mov cr0, eax
    mov dword [pg_a], 0xAAAA0001
    mov dword [pg_b], 0xBBBB0002
    READS pg_a, 0xAAAA0001, 1
    PUTS `PAE paging on through the PDPTEs ok\n`

    TRY mov eax, [L_NP + 8]
    EXPECT_FAULT 14, 0, 2
    EXPECT_CR2 L_NP + 8, 2
    TRY mov dword [L_NP + 12], 5
    EXPECT_FAULT 14, 2, 2
    EXPECT_CR2 L_NP + 12, 2
    MAP L_NP, pg_a + (PG_P | PG_W), 0
    READS L_NP, 0xAAAA0001, 2
    PUTS `not present: #PF(0), #PF(W), then seen without INVLPG ok\n`

    ; A in the PDE and PTE on a read, D only on the first write.
    and dword [pd + 8], ~PG_A
    RELOAD_CR3
    MAP L_AD, pg_b + (PG_P | PG_W), 0
    READS L_AD, 0xBBBB0002, 3
    test dword [pd + 8], PG_A
    CHECK nz, 3
    mov eax, [PTE(L_AD)]
    and eax, PG_A | PG_D
    cmp eax, PG_A
    CHECK e, 3
    mov dword [L_AD + 4], 0x12345678
    test dword [PTE(L_AD)], PG_D
    CHECK nz, 3
    PUTS `A in PDE and PTE on a read, D on a write ok\n`

    MAP L_RO, pg_b + PG_P, 0
    TRY mov dword [L_RO + 8], 1
    EXPECT_FAULT 14, 3, 4
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax
    TRY mov dword [L_RO + 8], 2
    EXPECT_NO_FAULT 4
    cmp dword [pg_b + 8], 2
    CHECK e, 4
    or eax, 0x10000
    mov cr0, eax
    PUTS `supervisor write to read-only: #PF(P|W) with WP, through without ok\n`

    MAP L_SUP, pg_a + (PG_P | PG_W), 0
    MAP L_URO, pg_a + (PG_P | PG_U), 0
    RING3 user_read_sup
    EXPECT_FAULT 14, 5, 5
    EXPECT_CR2 L_SUP, 5
    RING3 user_read_ro
    EXPECT_FAULT VEC_BACK, 0, 5
    RING3 user_write_ro
    EXPECT_FAULT 14, 7, 5
    PUTS `user: #PF(P|U) on a supervisor page, #PF(P|W|U) on a read-only one ok\n`

    MAP L_RSVD, pg_a + (PG_P | PG_W), 0x100        ; bit 40: above MAXPHYADDR
    TRY mov eax, [L_RSVD]
    EXPECT_FAULT 14, 9, 6
    EXPECT_CR2 L_RSVD, 6
    TRY mov dword [L_RSVD], 1
    EXPECT_FAULT 14, 0xB, 6
    RING3 user_read_rsvd
    EXPECT_FAULT 14, 0xD, 6
    MAP L_L1TF, 0, 0x7FFFFFFF                      ; not present, high bits set
    TRY mov eax, [L_L1TF]
    EXPECT_FAULT 14, 0, 6
    MAP L_NX, pg_code + (PG_P | PG_W), 0x80000000  ; NX without EFER.NXE is reserved
    TRY mov eax, [L_NX]
    EXPECT_FAULT 14, 9, 6
    PUTS `reserved bits: #PF(P|RSVD), none on a not-present entry ok\n`

    mov dword [pd + 16], PG_P | PG_W | PG_U | PG_PS
    RELOAD_CR3
    READS LARGE + pg_a, 0xAAAA0001, 7
    mov dword [LARGE + pg_b + 12], 0x55
    mov eax, [pd + 16]
    and eax, PG_A | PG_D
    cmp eax, PG_A | PG_D
    CHECK e, 7
    ; Pointed elsewhere without a flush: INVLPG of another 4 KiB inside it drops all of it.
    mov dword [pd + 16], 0x200000 | PG_P | PG_W | PG_PS
    READS LARGE + pg_a, 0xAAAA0001, 7
    invlpg [LARGE + 0x1FF000]
    READS LARGE + pg_a, 0, 7
    mov dword [pd + 16], 0x200000 | 0x2000 | PG_P | PG_W | PG_PS  ; bit 13 reserved
    RELOAD_CR3
    TRY mov eax, [LARGE]
    EXPECT_FAULT 14, 9, 7
    PUTS `2 MiB pages: A/D in the PDE, INVLPG inside one, reserved bit 13 ok\n`

    mov byte [pg_code], 0xB8                       ; mov eax, 0x1234
    mov dword [pg_code + 1], 0x1234
    mov byte [pg_code + 5], 0xC3                   ; ret
    TRY call L_XNP
    EXPECT_FAULT 14, 0, 8                          ; no I/D bit without NXE
    mov ecx, EFER
    rdmsr
    or eax, NXE
    wrmsr
    READS L_NX, 0x1234B8, 8                        ; readable, not executable
    TRY call L_NX
    EXPECT_FAULT 14, 0x11, 8
    EXPECT_CR2 L_NX, 8
    TRY call L_XNP
    EXPECT_FAULT 14, 0x10, 8
    EXPECT_CR2 L_XNP, 8
    RING3 user_call_nx
    EXPECT_FAULT 14, 0x15, 8
    MAP L_NX, pg_code + (PG_P | PG_W), 0
    invlpg [L_NX]
    xor eax, eax
    TRY call L_NX
    EXPECT_NO_FAULT 8
    cmp eax, 0x1234
    CHECK e, 8
    ; NX in the PDE covers every page of its table.
    or dword [pd + 12], 0x80000000
    RELOAD_CR3
    TRY call L_NX
    EXPECT_FAULT 14, 0x11, 8
    and dword [pd + 12], ~0x80000000
    RELOAD_CR3
    PUTS `NX with EFER.NXE: #PF(P|I), #PF(I) when not present, in the PDE too ok\n`

    ; A PDPTE with a reserved bit: #GP(0) from MOV CR3, CR4 and CR0, nothing changed.
    mov dword [pdpt + 8], pd + PG_P + 2
    mov eax, pdpt
    TRY mov cr3, eax
    EXPECT_FAULT 13, 0, 9
    mov dword [pdpt + 8], pd + PG_P
    mov dword [pdpt + 12], 0x80000000              ; NX is reserved in a PDPTE
    mov eax, pdpt                                  ; (the fault handler left CR2 in EAX)
    TRY mov cr3, eax
    EXPECT_FAULT 13, 0, 9
    mov eax, cr4
    xor eax, 0x80                                  ; PGE
    TRY mov cr4, eax
    EXPECT_FAULT 13, 0, 9
    mov eax, cr4
    test eax, 0x80
    CHECK z, 9
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax                                   ; paging off: no load
    or eax, 0x80000000
    TRY mov cr0, eax
    EXPECT_FAULT 13, 0, 9
    mov eax, cr0
    test eax, eax
    CHECK ns, 9
    mov dword [pdpt + 8], 0xFFFFFFFE               ; not present: no check
    mov dword [pdpt + 12], 0xFFFFFFFF
    or eax, 0x80000000
    mov cr0, eax
    READS L_AD, 0xBBBB0002, 9
    mov dword [pdpt + 8], 0
    mov dword [pdpt + 12], 0
    PUTS `PDPTE reserved bits: #GP(0) from MOV CR3, CR4, CR0 ok\n`

    ; The walk uses the PDPTE registers, not the table, until CR3 is loaded again.
    mov dword [pdpt], 0
    invlpg [L_AD]
    READS L_AD, 0xBBBB0002, 10
    mov dword [pdpt], pd + PG_P
    PUTS `the walk reads the PDPTE registers, not the table ok\n`

    mov eax, cr4
    or eax, 0x80                                   ; PGE
    mov cr4, eax
    MAP L_GLOB, pg_a + (PG_P | PG_W | PG_G), 0
    MAP L_LOCAL, pg_a + (PG_P | PG_W), 0
    READS L_GLOB, 0xAAAA0001, 11
    READS L_LOCAL, 0xAAAA0001, 11
    MAP L_GLOB, pg_b + (PG_P | PG_W | PG_G), 0
    MAP L_LOCAL, pg_b + (PG_P | PG_W), 0
    RELOAD_CR3
    READS L_GLOB, 0xAAAA0001, 11
    READS L_LOCAL, 0xBBBB0002, 11
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    READS L_GLOB, 0xBBBB0002, 11
    PUTS `global pages kept across MOV CR3, dropped by CR4.PGE ok\n`
    PASS

align 4096
user_code:
    USER_PAGE_STUBS
user_read_rsvd:
    mov eax, [L_RSVD]
    int VEC_BACK
user_call_nx:
    call L_NX
    int VEC_BACK
align 4096

    PM_CODE
    PM_DATA
    PM_BSS
alignb 4096
pg_a: resb 4096
pg_b: resb 4096
pg_code: resb 4096
alignb 32
pdpt: resq 4
bss_end:
