; 4-level paging faults through the 64-bit IDT (run with -cpu max): the #PF error code of every
; case (not present at each level, W, U, protection with and without CR0.WP, reserved bits at
; each level and in 2 MiB and 1 GiB pages, NX with the I/D bit) and CR2 in both halves;
; then canonical-address faults: #GP(0) for data, a straddling access, an FS-based access and a
; jump target, #SS(0) for RBP-based accesses and a push, delivered on IST1; direct branches
; (JZ, CALL, JMP rel32) out of the lower half: #GP(0) at the branch. (QEMU 7.2's TCG
; reports reserved-bit faults without the P bit, which the SDM sets whenever RSVD is.)
%include "lib/multiboot.inc"
%include "lib/long64.inc"

%define T       0x0000008000000000  ; PML4 entry 1: pdpt_t, pd_t, pt_t below
%define UPPER   0xFFFF800000000000  ; PML4 entry 256: the same tables
%define PTE(k)  (pt_t + 8 * (k))
%define RSVD40  (1 << 40)           ; above MAXPHYADDR (40 on max)
%define NX      (1 << 63)
%define P_W_U   7
%define LAST_PAGE 0x00007FFFFFFFF000 ; the lower half's last page: PML4 entry 255

; FLUSH: reloads CR3 (no global pages here: every translation goes).
%macro FLUSH 0
    mov rax, cr3
    mov cr3, rax
%endmacro
; SET entry, value: a 64-bit page-table entry, then FLUSH.
%macro SET 2
    mov rax, %2
    mov [%1], rax
    FLUSH
%endmacro
; PF lin, access, error, code: the access (using RBX = lin) at ring 0 faults with #PF(error)
; and CR2 = lin.
%macro PF 4
    mov rbx, %1
    TRY %2
    EXPECT_FAULT 14, %3, %4
    cmp [f_cr2], rbx
    CHECK e, %4
%endmacro
; UPF lin, user code, error, code: the same at ring 3 (user_read, user_write, user_fetch).
%macro UPF 4
    mov rbx, %1
    mov rax, %2
    call to_ring3
    EXPECT_FAULT 14, %3, %4
    cmp [f_cr2], rbx
    CHECK e, %4
%endmacro
; OK_AT lin, access, code: the access goes through.
%macro OK_AT 3
    mov rbx, %1
    TRY %2
    cmp byte [f_vec], NO_FAULT
    CHECK e, %3
%endmacro
; The accesses PF and OK_AT make through RBX.
%macro READ 0
    mov al, [rbx]
%endmacro
%macro WRITE 0
    mov byte [rbx], 1
%endmacro
%macro FETCH 0
    call rbx
%endmacro
; FAULT_RIP len, code: the fault's RIP is the instruction TRY ran (of len bytes).
%macro FAULT_RIP 2
    mov rax, [f_resume]
    sub rax, %1
    cmp [f_rip], rax
    CHECK e, %2
%endmacro
%macro SPLIT_PUSH 0
    mov rsp, rbx
    push rax
%endmacro
%macro SPLIT_FAR_CALL 0
    mov rsp, rbx
    o64 call far [rel far_ptr]
%endmacro
; FAR_BRANCH_FAULTED: the code TRY called at RBX faulted with #GP(0) at RBX, its RSP the one
; the CALL to it left.
%macro FAR_BRANCH_FAULTED 0
    EXPECT_FAULT 13, 0, 13
    cmp [f_rip], rbx
    CHECK e, 13
    mov rax, [f_rsp]
    sub rax, 8
    mov rcx, [f_frame]
    cmp [rcx + 24], rax
    CHECK e, 13
%endmacro
%macro BAD_PUSH 0
    mov rsp, rbx
    push rax
%endmacro

start:
    LONG_ENTER
    mov qword [tss + 0x24], ist1_top        ; IST1
    GATE64 12, ss_handler, 0x8E01
    GATE64 13, gp_handler, 0x8E00
    GATE64 14, pf_handler, 0x8E01           ; IST1: some cases fault with RSP unusable
    GATE64 0x30, back_handler, 0xEE00
    mov byte [cpage], 0xC3                  ; ret
    mov qword [pml4 + 8], pdpt_t + P_W_U
    mov qword [pdpt_t], pd_t + P_W_U
    mov qword [pd_t], pt_t + P_W_U
    mov rdi, pt_t
    mov ecx, 16
.map:                                       ; T + 0-64 KiB: tpage, user and writable
    mov qword [rdi], tpage + P_W_U
    add rdi, 8
    loop .map
    mov qword [PTE(3)], cpage + P_W_U
    FLUSH
    OK_AT T, READ, 1
    OK_AT T + 0xF000, WRITE, 1
    PUTS64 `4-level paging through PML4 entry 1 ok\n`

    ; ---- not present -----------------------------------------------------------------------
    PF 0x0000010000000000, READ, 0, 2       ; PML4 entry 2
    PF T + 0x40000000, READ, 0, 2           ; PDPT entry 1
    PF T + 0x200000, READ, 0, 2             ; PD entry 1
    PF T + 0x10000, READ, 0, 2              ; PT entry 16
    PF T + 0x10000, WRITE, 2, 2
    UPF T + 0x10000, user_read, 4, 2
    UPF T + 0x10000, user_write, 6, 2
    SET PTE(16), 0xFFFFFFFFFFFFF000         ; not present: every other bit the OS's
    PF T + 0x10000, WRITE, 2, 2
    SET PTE(16), 0
    PUTS64 `not present at each level: #PF(0), W, U, W|U; other bits ignored there ok\n`

    ; ---- protection ------------------------------------------------------------------------
    SET PTE(1), tpage + 5                   ; user, read-only
    PF T + 0x1000, WRITE, 3, 3              ; supervisor write with CR0.WP
    UPF T + 0x1000, user_write, 7, 3
    mov rax, cr0
    and eax, ~0x10000
    mov cr0, rax
    OK_AT T + 0x1000, WRITE, 3              ; without WP
    mov rax, cr0
    or eax, 0x10000
    mov cr0, rax
    SET PTE(2), tpage + 3                   ; supervisor, writable
    UPF T + 0x2000, user_read, 5, 3
    SET pd_t, pt_t + 3                      ; U clear in the PDE only
    UPF T, user_read, 5, 3
    SET pd_t, pt_t + P_W_U
    PUTS64 `protection: #PF(P|W) with WP, none without; #PF(P|U), #PF(P|W|U); U clear in the PDE ok\n`

    ; ---- reserved bits ---------------------------------------------------------------------
    SET pml4 + 8, pdpt_t + P_W_U + RSVD40
    PF T, READ, 9, 4
    PF T, WRITE, 11, 4
    UPF T, user_read, 13, 4
    SET pml4 + 8, pdpt_t + P_W_U + 0x80     ; PS in a PML4 entry
    PF T, READ, 9, 4
    SET pml4 + 8, pdpt_t + P_W_U
    SET pdpt_t, pd_t + P_W_U + (1 << 45)
    PF T, READ, 9, 5
    SET pdpt_t, pd_t + P_W_U
    SET pdpt_t + 8, 0x80 + P_W_U            ; a 1 GiB page (PDPE1GB): physical 0-1 GiB
    OK_AT T + 0x40000000 + stack0_top - 8, READ, 5
    SET pdpt_t + 8, 0x80 + P_W_U + (1 << 29)    ; bits 29:13 of a 1 GiB page
    PF T + 0x40000000, READ, 9, 5
    SET pdpt_t + 8, 0x80 + P_W_U + (1 << 13)
    PF T + 0x40000000, READ, 9, 5
    SET pdpt_t + 8, 0
    SET pd_t, pt_t + P_W_U + RSVD40
    PF T, READ, 9, 6
    SET pd_t, pt_t + P_W_U
    SET pd_t + 8, 0x400000 + 0x80 + P_W_U   ; a 2 MiB page
    OK_AT T + 0x200000, READ, 6
    SET pd_t + 8, 0x400000 + 0x80 + P_W_U + (1 << 13)
    PF T + 0x200000, READ, 9, 6
    SET pd_t + 8, 0
    SET PTE(0), tpage + P_W_U + (1 << 51)
    PF T, READ, 9, 7
    SET PTE(0), tpage + P_W_U + 0x7FF0000000000000    ; bits 62:52: ignored
    OK_AT T, READ, 7
    SET PTE(0), tpage + P_W_U + NX          ; NX without EFER.NXE: reserved
    PF T, READ, 9, 7
    SET PTE(0), tpage + P_W_U
    PUTS64 `reserved bits: #PF(P|RSVD) in PML4E (bit 40, PS), PDPTE (bit 45; bits 29:13 of a 1 GiB page), PDE (bit 40, bit 13 of a 2 MiB page), PTE (bit 51, NX); with W, U; bits 62:52 ignored ok\n`

    ; ---- NX and the I/D bit ----------------------------------------------------------------
    PF T + 0x10000, FETCH, 0, 8             ; no I/D bit without NXE
    mov ecx, EFER
    rdmsr
    or eax, EFER_NXE
    wrmsr
    OK_AT T + 0x3000, FETCH, 8              ; cpage: ret
    SET PTE(3), cpage + P_W_U + NX
    PF T + 0x3000, FETCH, 0x11, 8
    OK_AT T + 0x3000, READ, 8               ; NX forbids fetches only
    UPF T + 0x3000, user_fetch, 0x15, 8
    SET PTE(3), cpage + P_W_U
    SET pml4 + 8, pdpt_t + P_W_U + NX       ; NX in the PML4 entry
    PF T + 0x3000, FETCH, 0x11, 8
    SET pml4 + 8, pdpt_t + P_W_U
    PF T + 0x10000, FETCH, 0x10, 8          ; not present
    PF T + 0x10000, READ, 0, 8
    SET PTE(3), cpage + P_W_U + RSVD40
    PF T + 0x3000, FETCH, 0x19, 8
    SET PTE(3), cpage + P_W_U
    PUTS64 `NX with EFER.NXE: #PF(P|I) from the PTE and the PML4E, P|U|I, I when not present, P|RSVD|I; no I/D bit without NXE ok\n`

    ; ---- CR2 in the upper half -------------------------------------------------------------
    mov qword [pml4 + 256 * 8], pdpt_t + P_W_U
    FLUSH
    OK_AT UPPER + 0x1000, READ, 9
    PF UPPER + 0x10000, WRITE, 2, 9
    PUTS64 `CR2 holds an upper-half address ok\n`

    ; ---- 8-byte stack writes faulting on their upper half ----------------------------------
    ; RSP 4 bytes into a not-present page: the slot below straddles it and the page before
    ; (tpage, whose last bytes hold a marker). The write is one access: nothing is stored, RSP
    ; stays.
    SET PTE(6), 0
    mov rax, 0x1122334455667788
    mov [tpage + 0xFF8], rax
    mov rbx, T + 0x6004
    TRY SPLIT_PUSH
    EXPECT_FAULT 14, 2, 12
    mov rax, [f_frame]
    cmp qword [rax + 24], rbx               ; the interrupted RSP
    CHECK e, 12
    mov rax, 0x1122334455667788
    cmp [tpage + 0xFF8], rax
    CHECK e, 12
    TRY SPLIT_FAR_CALL                      ; CS's slot of a far call's frame
    EXPECT_FAULT 14, 2, 12
    mov rax, [f_frame]
    cmp qword [rax + 24], rbx
    CHECK e, 12
    mov rax, 0x1122334455667788
    cmp [tpage + 0xFF8], rax
    CHECK e, 12
    SET PTE(6), tpage + P_W_U
    PUTS64 `8-byte push and far call frame faulting on the upper half: nothing stored, RSP kept ok\n`

    ; ---- canonical addresses ---------------------------------------------------------------
    mov rbx, 0x0000800000000000
    TRY mov al, [rbx]
    EXPECT_FAULT 13, 0, 10
    FAULT_RIP 2, 10
    mov rbx, 0x00007FFFFFFFFFFC             ; 8 bytes reaching past the lower half
    TRY mov rax, [rbx]
    EXPECT_FAULT 13, 0, 10
    mov rbx, 0xFFFF7FFFFFFFFFF0
    TRY jmp rbx                             ; the jump faults, not the target
    EXPECT_FAULT 13, 0, 10
    FAULT_RIP 2, 10
    WRMSR64 FS_BASE, 0x00007FFFFFFFF000
    TRY mov al, [fs:0x1000]
    EXPECT_FAULT 13, 0, 10
    WRMSR64 FS_BASE, 0
    mov rbx, 0x0000800000000000
    mov rbp, rbx
    TRY mov al, [rbp]                       ; RBP as base: a stack reference
    EXPECT_FAULT 12, 0, 11
    mov rbx, 0x0000800000000008             ; the push writes at 0x800000000000
    TRY BAD_PUSH
    EXPECT_FAULT 12, 0, 11
    cmp qword [f_frame], ist1_top - 40      ; IST1, the error code popped
    CHECK e, 11
    PUTS64 `canonical: #GP(0) for data, a straddling access, a jump, FS-based; #SS(0) for RBP and a push, on IST1 ok\n`

    ; ---- direct branches out of the lower half ---------------------------------------------
    ; The lower half's last page (PML4 entry 255 through the same tables, PTE(511)) ends with a
    ; JZ, a CALL and a JMP whose rel32 targets lie past it: each faults, #GP(0) at the branch,
    ; with nothing changed (the CALL pushes nothing); the JZ not taken goes on to its RET.
    mov qword [pml4 + 255 * 8], pdpt_t + P_W_U
    mov qword [pdpt_t + 511 * 8], pd_t + P_W_U
    mov qword [pd_t + 511 * 8], pt_t + P_W_U
    SET PTE(511), cpage + P_W_U
    lea rsi, [rel last_page_code]
    mov rdi, cpage + 0xFE0
    mov ecx, 32
    rep movsb
    mov rbx, LAST_PAGE + 0xFE0
    test rbx, rbx                           ; ZF clear: the JZ falls through
    TRY call rbx
    cmp byte [f_vec], NO_FAULT
    CHECK e, 13
    mov rbx, LAST_PAGE + 0xFE0
    cmp rbx, rbx                            ; ZF set: taken
    TRY call rbx
    FAR_BRANCH_FAULTED
    mov rbx, LAST_PAGE + 0xFF0
    TRY call rbx
    FAR_BRANCH_FAULTED
    mov rbx, LAST_PAGE + 0xFF8
    TRY call rbx
    FAR_BRANCH_FAULTED
    PUTS64 `direct JZ, CALL, JMP to a non-canonical target: #GP(0) at the branch, nothing pushed ok\n`
    PASS

    align 8
; Copied to LAST_PAGE + 0xFE0. The targets: the first non-canonical address + 0x100.
last_page_code:
    db 0x0F, 0x84                           ; jz rel32
    dd 0x800000000100 - (LAST_PAGE + 0xFE6)
    ret
    times 9 nop
    db 0xE8                                 ; call rel32 (LAST_PAGE + 0xFF0)
    dd 0x800000000100 - (LAST_PAGE + 0xFF5)
    times 3 nop
    db 0xE9                                 ; jmp rel32 (LAST_PAGE + 0xFF8)
    dd 0x800000000100 - (LAST_PAGE + 0xFFD)
    times 3 int3

    align 8
far_ptr: dq 0, KCODE                        ; never reached

user_read:
    mov al, [rbx]
    int 0x30
user_write:
    mov byte [rbx], 1
    int 0x30
user_fetch:
    call rbx
    int 0x30

    LONG_HANDLERS
    LONG_DATA
alignb 4096
pdpt_t: resb 4096
pd_t:   resb 4096
pt_t:   resb 4096
tpage:  resb 4096
cpage:  resb 4096
bss_end:
