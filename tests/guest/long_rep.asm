; REP MOVS and STOS in 64-bit mode (run with -cpu max): each case runs twice from the same memory
; and TLB state, once with a data breakpoint armed on a variable nobody touches (the interpreter
; then goes element by element) and once without (whole stretches of a page at once), and both
; runs must end alike: RSI, RDI, RCX, the ticks from before the instruction to after it (the
; count), the fault's vector, error code and CR2, and a hash of all memory the cases reach.
; Cases: upwards and downwards (DF), each element size, unaligned pointers, overlapping copies
; in both directions, an FS-based source, 32-bit addresses (RSI/RDI/RCX's upper halves ignored
; and cleared, the offsets wrapping at 4 GiB), #PF on a page crossing for stores and loads in both
; directions, and #GP(0) at the canonical boundary from either side.
%include "lib/multiboot.inc"
%include "lib/long64.inc"

%define T       0x0000008000000000  ; PML4 entry 1: 4 KiB pages tpage + 0..3 (pt_t)
%define UPPER   0xFFFF800000000000  ; PML4 entry 256: the identity map again
%define LOW_END 0x00007FFFFFFFF000  ; the last page below the canonical hole (phys 0x7FF000)
%define HIGH    0x600000            ; the 2 MiB page behind 0xFFE00000, 4 GiB and 0x7FFFFFE00000
%define BUF     0x4000              ; each buffer's size
%define RES     8                   ; qwords in a result record

; CASE label, code: the case at label ends alike both ways.
%macro CASE 2
    lea rbx, [rel %1]
    call run_twice
    CHECK e, %2
%endmacro

start:
    LONG_ENTER
    GATE64 13, gp_handler, 0x8E00
    GATE64 14, pf_handler, 0x8E00
    mov qword [pml4 + 8], pdpt_t + 3
    mov qword [pdpt_t], pd_t + 3
    mov qword [pd_t], pt_t + 3
    mov qword [pdpt + 3 * 8], pd3 + 3
    mov qword [pd3 + 511 * 8], HIGH | 0x83
    mov qword [pdpt + 4 * 8], pd4 + 3
    mov qword [pd4], HIGH | 0x83
    mov qword [pml4 + 255 * 8], pdpt_c + 3
    mov qword [pdpt_c + 511 * 8], pd_c + 3
    mov qword [pd_c + 511 * 8], HIGH | 0x83
    mov qword [pml4 + 256 * 8], pdpt + 3

    CASE movsb_up, 1
    CASE movsq_down, 2
    CASE movsw_up_unaligned, 3
    CASE movsd_overlap_up, 4
    CASE movsw_overlap_down, 5
    CASE movsb_behind_up, 6
    CASE movsq_behind_down, 7
    PUTS64 `MOVS up and down, every size, unaligned and overlapping: as element by element ok\n`
    CASE stosb_up, 8
    CASE stosq_down, 9
    CASE stosd_up, 10
    CASE stosw_down, 11
    PUTS64 `STOS up and down, every size: as element by element ok\n`
    CASE fs_movsb, 12
    CASE a32_movsb_wrap, 13
    CASE a32_stosd_wrap_down, 14
    CASE a32_fs_movsb_wrap, 22
    PUTS64 `FS-based source; 32-bit addresses wrapping at 4 GiB: as element by element ok\n`
    CASE pf_store_up, 15
    CASE pf_store_down, 16
    CASE pf_load_up, 17
    CASE pf_load_down, 18
    CASE canonical_up, 19
    CASE canonical_down, 20
    PUTS64 `#PF on page crossings, #GP(0) at the canonical boundary: the same registers ok\n`

    ; One absolute check of the faults: the store at T + 0x2000 faulted with 100 bytes done.
    lea rbx, [rel pf_store_up]
    lea rdi, [rel res_bulk]
    call run_one
    mov rax, T + 0x2000
    cmp [res_bulk + 8], rax                 ; RDI at the faulting element
    CHECK e, 21
    cmp qword [res_bulk + 16], 200          ; RCX: the iterations left
    CHECK e, 21
    cmp qword [res_bulk + 32], 14
    CHECK e, 21
    cmp [res_bulk + 48], rax                ; CR2
    CHECK e, 21
    PASS

; run_twice: runs the case at RBX with the data breakpoint and without; ZF set when the two
; records are equal.
run_twice:
    mov rax, untouched
    mov dr0, rax
    mov eax, 0xD0001                        ; L0, write, 8 bytes
    mov dr7, rax
    lea rdi, [rel res_ref]
    call run_one
    xor eax, eax
    mov dr7, rax
    lea rdi, [rel res_bulk]
    call run_one
    lea rsi, [rel res_ref]
    lea rdi, [rel res_bulk]
    mov ecx, RES
    repe cmpsq
    ret

; run_one: fills memory, runs the case at RBX and writes its record at RDI.
run_one:
    mov [res_ptr], rdi
    call fill
    mov qword [f_cr2], 0
    TRY call rbx
    pushfq
    cld
    mov r8, [res_ptr]
    mov [r8], rsi
    mov [r8 + 8], rdi
    mov [r8 + 16], rcx
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, [t0]
    mov [r8 + 24], rax
    movzx eax, byte [f_vec]
    mov [r8 + 32], rax
    mov rax, [f_err]
    mov [r8 + 40], rax
    mov rax, [f_cr2]
    mov [r8 + 48], rax
    pop rax
    and eax, 0x400                          ; DF as the case left it
    or rax, [r8 + 32]
    mov [r8 + 32], rax
    call hash
    mov [r8 + 56], rax
    WRMSR64 FS_BASE, 0
    ret

; fill: every region a pseudo-random pattern, the T pages all mapped, the TLB flushed.
fill:
    lea rsi, [rel regions]
    mov rax, 0x9E3779B97F4A7C15
    mov r9, 6364136223846793005
    mov r10, 1442695040888963407           ; ADD has no 64-bit immediate
.region:
    mov rdi, [rsi]
    mov rcx, [rsi + 8]
    test rcx, rcx
    jz .map
    shr rcx, 3
.qword:
    imul rax, r9
    add rax, r10
    mov [rdi], rax
    add rdi, 8
    dec rcx
    jnz .qword
    add rsi, 16
    jmp .region
.map:
    mov rax, tpage + 3
    mov ecx, 4
    lea rdi, [rel pt_t]
.pte:
    mov [rdi], rax
    add rax, 0x1000
    add rdi, 8
    loop .pte
    mov rax, cr3
    mov cr3, rax
    ret

; hash: RAX = a hash of every region's qwords in order.
hash:
    lea rsi, [rel regions]
    xor eax, eax
    mov r9, 0x100000001B3
.region:
    mov rdi, [rsi]
    mov rcx, [rsi + 8]
    test rcx, rcx
    jz .done
    shr rcx, 3
.qword:
    xor rax, [rdi]
    imul rax, r9
    add rdi, 8
    dec rcx
    jnz .qword
    add rsi, 16
    jmp .region
.done:
    ret

; UNMAP k: T's page k not present (after fill).
%macro UNMAP 1
    mov qword [pt_t + 8 * (%1)], 0
    mov rax, T + 0x1000 * (%1)
    invlpg [rax]
%endmacro
; START: the tick before the case's instruction setup.
%macro START 0
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [t0], rax
%endmacro

movsb_up:
    START
    lea rsi, [buf_a + 3]
    lea rdi, [buf_b + 5]
    mov ecx, 10000
    rep movsb
    ret
movsq_down:
    START
    std
    lea rsi, [buf_a + 8 * 1500 + 1]
    lea rdi, [buf_b + 8 * 1400]
    mov ecx, 1200
    rep movsq
    ret
movsw_up_unaligned:
    START
    lea rsi, [buf_a + 0xFFF]
    lea rdi, [buf_b + 0x7FF]
    mov ecx, 6000
    rep movsw
    ret
movsd_overlap_up:                           ; the destination 2 bytes ahead: elements read again
    START
    lea rsi, [buf_a + 100]
    lea rdi, [buf_a + 102]
    mov ecx, 3000
    rep movsd
    ret
movsw_overlap_down:                         ; 3 bytes below, going down: read again
    START
    std
    lea rsi, [buf_a + 8000]
    lea rdi, [buf_a + 7997]
    mov ecx, 3000
    rep movsw
    ret
movsb_behind_up:                            ; 7 bytes behind, going up
    START
    lea rsi, [buf_a + 4000]
    lea rdi, [buf_a + 3993]
    mov ecx, 9000
    rep movsb
    ret
movsq_behind_down:                          ; 12 bytes above, going down
    START
    std
    lea rsi, [buf_a + 12000]
    lea rdi, [buf_a + 12012]
    mov ecx, 1400
    rep movsq
    ret
stosb_up:
    START
    lea rdi, [buf_b + 1]
    mov ecx, 9000
    mov rax, 0x123456789ABCDE5A
    rep stosb
    ret
stosq_down:
    START
    std
    lea rdi, [buf_b + BUF - 8]
    mov ecx, 1900
    mov rax, 0x1122334455667788
    rep stosq
    ret
stosd_up:
    START
    lea rdi, [buf_b + 2]
    mov ecx, 3000
    mov eax, 0xCAFEF00D
    rep stosd
    ret
stosw_down:
    START
    std
    lea rdi, [buf_b + 9001]
    mov ecx, 4321
    mov eax, 0xBEEF
    rep stosw
    ret
fs_movsb:
    WRMSR64 FS_BASE, buf_a + 0x123
    START
    mov esi, 0x10
    lea rdi, [buf_b]
    mov ecx, 6000
    fs rep movsb
    ret
a32_movsb_wrap:                             ; 0xFFFFFFF0 (phys 0x7FFFF0) up to 0x2F (phys 0x2F)
    START
    mov rsi, 0xABCD0000FFFFFFF0
    mov rdi, 0x5555000000000000 + buf_b
    mov rcx, 0x7777000000000040
    a32 rep movsb
    ret
a32_fs_movsb_wrap:                          ; FS + 0xFFFFFFF0 (phys HIGH + 0xF0), then FS + 0
    WRMSR64 FS_BASE, 0x100
    START
    mov esi, 0xFFFFFFF0
    lea rdi, [buf_b + 7]
    mov ecx, 0x300
    a32 fs rep movsb
    ret
a32_stosd_wrap_down:                        ; 8, 4, 0, then 0xFFFFFFFC down
    START
    std
    mov rdi, 0x1234000000000008
    mov rcx, 0x9999000000000300
    mov eax, 0xA5A5A5A5
    a32 rep stosd
    ret
pf_store_up:                                ; T page 2 absent: #PF(W) at T + 0x2000
    UNMAP 2
    START
    lea rsi, [buf_a]
    mov rdi, T + 0x2000 - 100
    mov ecx, 300
    rep movsb
    ret
pf_store_down:                              ; T page 1 absent: #PF(W) at T + 0x1FF8
    UNMAP 1
    START
    std
    mov rdi, T + 0x2040
    mov ecx, 20
    mov rax, -1
    rep stosq
    ret
pf_load_up:                                 ; T page 3 absent: #PF(R) at T + 0x3000
    UNMAP 3
    START
    mov rsi, T + 0x3000 - 40
    lea rdi, [buf_b + 3]
    mov ecx, 100
    rep movsq
    ret
pf_load_down:                               ; T page 0 absent: #PF(R) at T + 0xFFF (straddling)
    UNMAP 0
    START
    std
    mov rsi, T + 0x1000 + 0x101
    lea rdi, [buf_b + 0x2000]
    mov ecx, 1000
    rep movsw
    ret
canonical_up:                               ; #GP(0) at 0x800000000000
    START
    mov rdi, LOW_END + 0xF00
    mov ecx, 0x200
    mov al, 0x77
    rep stosb
    ret
canonical_down:                             ; #GP(0) at UPPER - 8
    START
    std
    lea rsi, [buf_a + 4000]
    mov rdi, UPPER + 0x40
    mov ecx, 20
    rep movsq
    ret

    align 8
; The memory the cases reach, as identity-mapped physical ranges: address, length.
regions:
    dq buf_a, BUF, buf_b, BUF, tpage, 4 * 0x1000, 0, 0x1000, HIGH, 0x1000, HIGH + 0x1FF000, 0x1000
    dq 0, 0

    LONG_HANDLERS
    LONG_DATA
    alignb 8
untouched: resq 1
res_ptr: resq 1
t0:     resq 1
res_ref: resq RES
res_bulk: resq RES
alignb 4096
pdpt_t: resb 4096
pd_t:   resb 4096
pt_t:   resb 4096
pd3:    resb 4096
pd4:    resb 4096
pdpt_c: resb 4096
pd_c:   resb 4096
tpage:  resb 4 * 4096
buf_a:  resb BUF
buf_b:  resb BUF
bss_end:
