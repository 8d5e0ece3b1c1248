; The long-mode system architecture (run with -cpu max): the kernel switches to long mode
; itself, then checks SYSCALL/SYSRET/SWAPGS between ring 0 and ring 3 (SYSRET to 64-bit and to
; compatibility mode), interrupts from compatibility mode, IST stacks of the 64-bit TSS (an INT
; and a #DF), IRETQ to compatibility mode, a 64-bit call gate and RETFQ, the long-mode MSRs'
; #GP rules and RDTSCP.
%include "lib/multiboot.inc"

%define EFER            0xC0000080
%define STAR            0xC0000081
%define LSTAR           0xC0000082
%define FMASK           0xC0000084
%define GS_BASE         0xC0000101
%define KERNEL_GS_BASE  0xC0000102
%define TSC_AUX         0xC0000103
%define KCODE   0x08
%define KDATA   0x10
%define KCODE32 0x18
%define UCODE32 0x23
%define UDATA   0x2B
%define UCODE64 0x33
%define TSS_SEL 0x38
%define GATE    0x48
%define NO_FAULT 0xFF

; PUTS64 "text": the text on the debug console (64-bit code).
%macro PUTS64 1
    jmp %%after
%%text: db %1
%%end:
%%after:
    lea rsi, [rel %%text]
    mov ecx, %%end - %%text
    mov dx, 0xE9
    rep outsb
%endmacro

; GATE64 vec, handler, attributes (0x8E00 DPL 0 interrupt gate, 0xEE00 DPL 3, | IST index)
%macro GATE64 3
    mov rax, %2
    mov [idt + (%1) * 16], ax
    mov word [idt + (%1) * 16 + 2], KCODE
    mov word [idt + (%1) * 16 + 4], %3
    shr rax, 16
    mov [idt + (%1) * 16 + 6], ax
    shr rax, 16
    mov [idt + (%1) * 16 + 8], eax
%endmacro

; WRMSR64 msr, value
%macro WRMSR64 2
    mov ecx, %1
    mov rax, %2
    mov rdx, rax
    shr rdx, 32
    wrmsr
%endmacro

; TRY instr: runs instr with the fault handler's resume point after it (ring 0).
%macro TRY 1+
    mov byte [f_vec], NO_FAULT
    mov qword [f_err], -1
    lea rax, [rel %%after]
    mov [f_resume], rax
    mov [f_rsp], rsp
    %1
%%after:
%endmacro

start:
    mov esp, stack0_top
    mov edi, pml4                           ; identity map 0-8 MiB, user and writable
    xor eax, eax
    mov ecx, 3 * 1024
    rep stosd
    mov dword [pml4], pdpt + 7
    mov dword [pdpt], pd + 7
    mov dword [pd], 0x000000 | 0x87
    mov dword [pd + 8], 0x200000 | 0x87
    mov dword [pd + 16], 0x400000 | 0x87
    mov dword [pd + 24], 0x600000 | 0x87
    lgdt [gdt_desc]
    mov eax, cr4
    or eax, 0x20                            ; PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, EFER
    rdmsr
    or eax, 0x101                           ; LME, SCE
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax                            ; IA-32e mode, still in 32-bit code
    jmp KCODE:long_entry

bits 64
long_entry:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax                            ; null FS and GS: their bases come from the MSRs,
    mov fs, ax                              ; and an IRET to ring 3 keeps them (no DPL 0
    mov gs, ax                              ; selector to drop)
    mov rsp, stack0_top
    mov rax, tss                            ; the 16-byte TSS descriptor's base
    mov [gdt + TSS_SEL + 2], ax
    shr rax, 16
    mov [gdt + TSS_SEL + 4], al
    mov [gdt + TSS_SEL + 7], ah
    shr rax, 16
    mov [gdt + TSS_SEL + 8], eax
    mov ax, TSS_SEL
    ltr ax
    mov qword [tss + 4], rsp0_top           ; RSP0
    mov qword [tss + 0x24], ist1_top - 8    ; IST1: misaligned on purpose
    mov qword [tss + 0x2C], ist2_top        ; IST2
    GATE64 13, gp_handler, 0x8E00
    GATE64 8, df_handler, 0x8E02
    GATE64 0x30, back_handler, 0xEE00
    GATE64 0x40, ist_handler, 0x8E01
    GATE64 0x41, compat_int_handler, 0xEE00
    lidt [idt_desc]
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

; to_ring3: runs the ring 3 64-bit code at RAX on the user stack until it faults or INT 0x30s;
; f_vec/f_err/f_rip/f_cs/f_ss say how it ended.
to_ring3:
    mov byte [f_vec], NO_FAULT
    lea rbx, [rel .back]
    mov [f_resume], rbx
    mov [f_rsp], rsp
    push UDATA
    push user_stack_top
    push 0x003                              ; CF; IF stays clear
    push UCODE64
    push rax
    iretq
.back:
    mov ax, KDATA
    mov ss, ax
    ret

; Ring 0 handlers that end an excursion: record and resume.
gp_handler:
    pop qword [f_err]
    mov byte [f_vec], 13
    jmp record
back_handler:
    mov byte [f_vec], 0x30
    jmp record
compat_int_handler:
    mov byte [f_vec], 0x41
    mov [compat_eax], eax
record:
    mov rax, [rsp]
    mov [f_rip], rax
    mov rax, [rsp + 8]
    mov [f_cs], rax
    mov rax, [rsp + 32]
    mov [f_ss], rax
    mov rsp, [f_rsp]
    jmp [f_resume]
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

    align 8
gdt:
    dq 0
    dq 0x00AF9A000000FFFF                   ; 0x08 64-bit code, DPL 0
    dq 0x00CF92000000FFFF                   ; 0x10 data, DPL 0
    dq 0x00CF9A000000FFFF                   ; 0x18 32-bit code, DPL 0
    dq 0x00CFFA000000FFFF                   ; 0x20 32-bit code, DPL 3
    dq 0x00CFF2000000FFFF                   ; 0x28 data, DPL 3
    dq 0x00AFFA000000FFFF                   ; 0x30 64-bit code, DPL 3
    dq 0x0000890000000067, 0                ; 0x38 64-bit TSS (base filled in)
    dq 0, 0                                 ; 0x48 call gate (filled in)
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dq gdt
idt_desc:
    dw 256 * 16 - 1
    dq idt

section .bss
alignb 4096
pml4:   resb 4096
pdpt:   resb 4096
pd:     resb 4096
idt:    resb 256 * 16
tss:    resb 0x68
f_vec:  resb 1
syscalls: resb 1
gate_back: resb 1
    alignb 8
f_err:  resq 1
f_rip:  resq 1
f_cs:   resq 1
f_ss:   resq 1
f_resume: resq 1
f_rsp:  resq 1
ist_rsp: resq 1
ist_old_rsp: resq 1
df_rsp: resq 1
compat_eax: resq 1
gate_frame: resq 4
    alignb 16
        resb 4096
stack0_top:
        resb 4096
stack1_top:
        resb 4096
ist1_top:
        resb 4096
ist2_top:
        resb 4096
rsp0_top:
        resb 4096
user_stack_top:
bss_end:
