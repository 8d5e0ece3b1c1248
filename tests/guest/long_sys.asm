; The long-mode system architecture (run with -cpu max): the kernel switches to long mode
; itself, then checks SYSCALL/SYSRET/SWAPGS between ring 0 and ring 3 (SYSRET to 64-bit and to
; compatibility mode), interrupts from compatibility mode, IST stacks of the 64-bit TSS (an INT
; and a #DF), IRETQ to compatibility mode, a 64-bit call gate and RETFQ, the long-mode MSRs'
; #GP rules and RDTSCP.
%include "lib/multiboot.inc"
%include "lib/long64.inc"

start:
    LONG_ENTER
    mov qword [tss + 0x24], ist1_top - 8    ; IST1: misaligned on purpose
    mov qword [tss + 0x2C], ist2_top        ; IST2
    GATE64 13, gp_handler, 0x8E00
    GATE64 8, df_handler, 0x8E02
    GATE64 0x30, back_handler, 0xEE00
    GATE64 0x40, ist_handler, 0x8E01
    GATE64 0x41, compat_int_handler, 0xEE00
    PUTS64 `long mode: 64-bit code at CPL 0 ok\n`

    ; ---- MSRs: canonical addresses and reserved bits --------------------------------------
    mov rbx, 0x0000800000000000              ; not canonical
    TRY WRMSR64 LSTAR, rbx
    cmp byte [f_vec], 13
    CHECK e, 1
    cmp qword [f_err], 0
    CHECK e, 1
    TRY WRMSR64 KERNEL_GS_BASE, rbx
    cmp byte [f_vec], 13
    CHECK e, 1
    mov rbx, 0x100000000
    TRY WRMSR64 TSC_AUX, rbx
    cmp byte [f_vec], 13
    CHECK e, 1
    PUTS64 `MSRs: non-canonical LSTAR and KERNEL_GS_BASE, TSC_AUX bit 32: #GP(0) ok\n`

    ; ---- RDTSCP ---------------------------------------------------------------------------
    WRMSR64 TSC_AUX, 0x55AA
    mov rcx, -1
    rdtscp
    cmp rcx, 0x55AA
    CHECK e, 2
    shl rdx, 32
    or rax, rdx
    mov rbx, rax
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, rbx
    CHECK a, 2
    cmp rax, 10
    CHECK b, 2
    PUTS64 `RDTSCP: the TSC and TSC_AUX in ECX ok\n`

    ; ---- SYSCALL/SYSRET/SWAPGS round trip -------------------------------------------------
    WRMSR64 STAR, (UCODE32 - 3) << 48 | KCODE << 32
    mov rbx, syscall_entry
    WRMSR64 LSTAR, rbx
    WRMSR64 FMASK, 0x700                    ; TF, IF, DF
    mov rbx, kernel_gs
    WRMSR64 KERNEL_GS_BASE, rbx
    mov rbx, user_gs
    WRMSR64 GS_BASE, rbx
    mov qword [kernel_gs + 16], stack1_top
    mov rax, user64_syscall
    call to_ring3
    cmp byte [f_vec], 13                    ; it ended with SWAPGS at CPL 3
    CHECK e, 3
    cmp qword [f_err], 0
    CHECK e, 3
    cmp qword [f_rip], user64_swapgs
    CHECK e, 3
    mov ecx, GS_BASE
    rdmsr
    cmp eax, user_gs
    CHECK e, 3
    cmp byte [syscalls], 1
    CHECK e, 3
    PUTS64 `SYSCALL from ring 3, SWAPGS, SYSRETQ back; SWAPGS at CPL 3: #GP(0) ok\n`

    mov rax, user64_to_compat
    call to_ring3
    cmp byte [f_vec], 0x41                  ; INT 0x41 from compatibility mode
    CHECK e, 4
    cmp qword [f_cs], UCODE32
    CHECK e, 4
    cmp qword [f_ss], UDATA
    CHECK e, 4
    cmp qword [f_rip], compat_int + 2
    CHECK e, 4
    cmp byte [syscalls], 2
    CHECK e, 4
    PUTS64 `SYSRET to compatibility mode; INT from it pushes a 64-bit frame ok\n`

    ; ---- IST: an INT through IST1 at the same level ----------------------------------------
    mov rbx, rsp
    sub rsp, 8
    int 0x40
    mov rsp, rbx
    cmp qword [ist_rsp], ist1_top - 16 - 40 ; IST1 - 8, aligned down to 16, then the frame
    CHECK e, 5
    lea rax, [rbx - 8]
    cmp [ist_old_rsp], rax
    CHECK e, 5
    PUTS64 `IST1: stack switch without a privilege change, aligned to 16 ok\n`

    ; A #GP whose gate is not present: #NP in its delivery makes a #DF, taken on IST2.
    and byte [idt + 13 * 16 + 5], 0x7F
    TRY WRMSR64 LSTAR, 0x0000800000000000
    or byte [idt + 13 * 16 + 5], 0x80
    cmp byte [f_vec], 8
    CHECK e, 6
    cmp qword [f_err], 0
    CHECK e, 6
    cmp qword [df_rsp], ist2_top - 48
    CHECK e, 6
    PUTS64 `#DF on IST2 with error code 0 ok\n`

    ; ---- IRETQ to compatibility mode -----------------------------------------------------
    lea rax, [rel compat_done]
    mov [f_resume], rax
    mov [f_rsp], rsp
    push KDATA
    push rsp
    add qword [rsp], 8
    pushfq
    push KCODE32
    push compat_code
    iretq
compat_done:
    cmp qword [f_cs], KCODE32
    CHECK e, 7
    cmp dword [compat_eax], 0xC0DE
    CHECK e, 7
    PUTS64 `IRETQ to compatibility mode at CPL 0 ok\n`

    ; ---- 64-bit call gate ------------------------------------------------------------------
    mov rax, gate_target
    mov [gdt + GATE], ax
    mov word [gdt + GATE + 2], KCODE
    mov word [gdt + GATE + 4], 0xEC00       ; present, DPL 3, 64-bit call gate
    shr rax, 16
    mov [gdt + GATE + 6], ax
    shr rax, 16
    mov [gdt + GATE + 8], eax
    mov dword [gdt + GATE + 12], 0
    mov rax, user64_gate
    call to_ring3
    cmp byte [f_vec], 0x30
    CHECK e, 8
    cmp qword [gate_frame], user64_gate_ret
    CHECK e, 8
    cmp qword [gate_frame + 8], UCODE64
    CHECK e, 8
    cmp qword [gate_frame + 16], user_stack_top
    CHECK e, 8
    cmp qword [gate_frame + 24], UDATA
    CHECK e, 8
    cmp byte [gate_back], 1
    CHECK e, 8
    PUTS64 `64-bit call gate to ring 0 (SS:RSP and CS:RIP in 8 bytes), RETFQ to ring 3 ok\n`
    PASS

    LONG_HANDLERS
compat_int_handler:
    mov byte [f_vec], 0x41
    mov [compat_eax], eax
    jmp record
df_handler:
    mov [df_rsp], rsp
    pop qword [f_err]
    mov byte [f_vec], 8
    mov rsp, [f_rsp]
    jmp [f_resume]
ist_handler:
    mov [ist_rsp], rsp
    mov rax, [rsp + 24]
    mov [ist_old_rsp], rax
    iretq

syscall_entry:
    swapgs
    mov [gs:8], rsp                         ; the user stack
    mov rsp, [gs:16]
    mov rax, 0x4B45524E454C                 ; "KERNEL": the kernel's GS base
    cmp [gs:0], rax
    CHECK e, 9
    mov ax, cs
    cmp ax, KCODE
    CHECK e, 9
    mov ax, ss
    cmp ax, KDATA
    CHECK e, 9
    test r11, 1                             ; the user's CF in R11
    CHECK nz, 9
    pushfq
    pop rax
    test rax, 0x700
    CHECK z, 9
    inc byte [syscalls]
    mov rsp, [gs:8]
    swapgs
    cmp rdi, 1
    je .compat
    o64 sysret
.compat:
    mov ecx, compat_user                    ; SYSRET with 32-bit operand: EIP = ECX
    sysret

user64_syscall:
    mov rdi, 0
    stc
    syscall
    jnc user64_bad                          ; CF back from R11
    mov ax, cs
    cmp ax, UCODE64
    jne user64_bad
    mov ax, ss
    cmp ax, UDATA
    jne user64_bad
    cmp qword [gs:0], 0x52455355            ; "USER"
    jne user64_bad
user64_swapgs:
    swapgs
user64_bad:
    int 0x30

user64_to_compat:
    mov rdi, 1
    syscall
    int 0x30                                ; not reached

user64_gate:
    o64 call far [rel gate_ptr]
user64_gate_ret:
    mov ax, cs
    cmp ax, UCODE64
    jne .done
    mov byte [gate_back], 1
.done:
    int 0x30

gate_target:
    mov rax, [rsp]
    mov [gate_frame], rax
    mov rax, [rsp + 8]
    mov [gate_frame + 8], rax
    mov rax, [rsp + 16]
    mov [gate_frame + 16], rax
    mov rax, [rsp + 24]
    mov [gate_frame + 24], rax
    mov ax, ss
    test ax, 0xFFFC                         ; a null SS in ring 0
    CHECK z, 10
    o64 retf

bits 32
compat_user:
    mov eax, 0xC0DE
compat_int:
    int 0x41

compat_code:                                ; CPL 0, compatibility mode
    mov eax, 0xC0DE
    int 0x41                                ; back to 64-bit: compat_int_handler resumes below
bits 64
    align 8
gate_ptr:
    dq 0
    dw GATE | 3
kernel_gs:
    dq 0x4B45524E454C, 0, 0
user_gs:
    dq 0x52455355

    LONG_DATA
syscalls: resb 1
gate_back: resb 1
    alignb 8
ist_rsp: resq 1
ist_old_rsp: resq 1
df_rsp: resq 1
compat_eax: resq 1
gate_frame: resq 4
bss_end:
