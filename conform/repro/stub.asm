; The reproducer stub of `jitpc conform diff --repro`: a Multiboot kernel (a.out kludge, loaded
; at 1 MiB) that recreates the differential oracle's environment (difftest/emu.cpp: protected
; mode, paging off, the case at CPL 3 with the same GDT, LDT and TSS selectors, every exception
; through an interrupt gate onto a ring-0 stack; for 64-bit cases IA-32e mode with the oracle's
; 64-bit GDT, TSS and IDT and the low 16 MiB identity-mapped by 2 MiB user pages), runs one case
; from the payload conform appends after it (conform/repro.cpp writes the layout below), compares
; the end with the reference's and reports as test kernels do: PASS:/FAIL: lines on port 0xE9,
; exit code 0 (the case ends as the reference's did) or 1 through isa-debug-exit at 0xF4. A
; 64-bit case's end is taken in long mode, which the stub then leaves, so that one comparison in
; 32-bit code serves every mode.
bits 32
org 0x100000

%define CODE        0x00800000
%define CODE_START  0x00800100
%define DATA        0x00804000
%define STACK       0x00805000
%define PAGE        4096
%define IRET_STACK  0x9000      ; below 64 KiB, free after a Multiboot boot

; The payload (conform/repro.cpp) fills the PAYLOAD_SIZE bytes that end the image.
%define PAYLOAD_SIZE (P_DATA_IN + 4 * PAGE)
%define P_MAGIC     0       ; 'JCRP'
%define P_MODE      4       ; 0 flat 32-bit, 1 32-bit code with LDT data, 2 16-bit LDT code, 3 64-bit
%define P_SSE       8       ; 1: load and compare XMM0-7 (XMM0-15 in 64-bit code) and MXCSR
%define P_CODE_LEN  12
%define P_EFL_IN    16
%define P_MXCSR_IN  20
%define P_OUTCOME   24      ; the reference's outcome class (difftest::Outcome)
%define P_FLAG_MASK 28
%define P_EFL_EXP   32
%define P_MXCSR_EXP 36
%define P_GPR_IN    64      ; rax rcx rdx rbx rsp rbp rsi rdi r8-r15, a quadword each
%define P_GPR_EXP   192
%define P_XMM_IN    320     ; XMM0-15, 16 bytes each
%define P_XMM_EXP   576
%define P_CODE      832
%define P_DATA_IN   2048
%define MODE_CODE16 2
%define MODE_LONG64 3
%define P_STACK_IN  (P_DATA_IN + PAGE)
%define P_DATA_EXP  (P_DATA_IN + 2 * PAGE)
%define P_STACK_EXP (P_DATA_IN + 3 * PAGE)

; GATES table, stride, first stub, second stub, selector: 32 interrupt gates to the stubs (the
; 64-bit ones' upper offset stays 0: the stubs are below 4 GiB), DPL 0 but vector 3's (the
; case's end, INT3).
%macro GATES 5
    xor ecx, ecx
%%gate:
    mov eax, ecx
    imul eax, eax, %4 - %3
    add eax, %3
    mov edx, ecx
    imul edx, edx, %2
    mov [%1 + edx], ax
    mov word [%1 + edx + 2], %5
    mov word [%1 + edx + 4], 0x8E00
    shr eax, 16
    mov [%1 + edx + 6], ax
    inc ecx
    cmp ecx, 32
    jb %%gate
    mov byte [%1 + %2 * 3 + 5], 0xEE
%endmacro

; DESC_BASE descriptor, base: a system descriptor's base (bits 15:0, 23:16 and 31:24).
%macro DESC_BASE 2
    mov eax, %2
    mov [%1 + 2], ax
    shr eax, 16
    mov [%1 + 4], al
    mov [%1 + 7], ah
%endmacro

mb_header:
    dd 0x1BADB002
    dd 0x00010000
    dd -(0x1BADB002 + 0x00010000)
    dd mb_header, mb_header, 0, bss_end, start

start:
    cli
    mov esp, ring0_stack_top
    mov al, 0xFF                ; every IRQ masked: nothing interrupts the case
    out 0x21, al
    out 0xA1, al
    cmp dword [payload + P_MAGIC], 'JCRP'
    je .payload_ok
    mov esi, msg_no_payload
    call puts
    mov al, 1
    out 0xF4, al
    hlt
.payload_ok:
    GATES idt, 8, handler_0, handler_1, 0x08
    DESC_BASE gdt + 0x28, tss
    DESC_BASE gdt + 0x30, ldt
    lgdt [gdt_ptr]
    lidt [idt_ptr]
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    jmp 0x08:.flat
.flat:
    mov ax, 0x28
    ltr ax
    mov ax, 0x30
    lldt ax
    ; The case's memory: its code and an INT3 after it, the data and stack pages.
    mov esi, payload + P_CODE
    mov edi, CODE_START
    mov ecx, [payload + P_CODE_LEN]
    rep movsb
    mov byte [edi], 0xCC
    mov esi, payload + P_DATA_IN
    mov edi, DATA
    mov ecx, 2 * PAGE / 4
    rep movsd
    fninit
    cmp dword [payload + P_SSE], 0
    je .no_sse
    mov eax, cr4
    or eax, (1 << 9) | (1 << 10) | (1 << 18)   ; OSFXSR, OSXMMEXCPT, OSXSAVE as Linux runs the host's
    mov cr4, eax
    xor ecx, ecx
    xor edx, edx
    mov eax, 3                  ; XCR0: x87 and SSE
    xsetbv
    cmp dword [payload + P_MODE], MODE_LONG64
    je .no_sse                  ; XMM8-15 are loaded in 64-bit code
%assign r 0
%rep 8
    movups xmm %+ r, [payload + P_XMM_IN + 16 * r]
%assign r r + 1
%endrep
    ldmxcsr [payload + P_MXCSR_IN]
.no_sse:
    cmp dword [payload + P_MODE], MODE_LONG64
    je enter_long_mode
    ; The mode's selectors: CS, then DS/ES/SS; FS and GS flat.
    mov eax, [payload + P_MODE]
    movzx ebx, word [mode_cs + 2 * eax]
    movzx edx, word [mode_ds + 2 * eax]
    mov ecx, CODE_START
    cmp eax, MODE_CODE16
    jne .eip
    sub ecx, CODE               ; 16-bit code: EIP is an offset in the LDT code segment
.eip:
    ; IRET to a 16-bit stack segment loads SP only: ESP's upper half stays the one of the stack
    ; IRET runs on (the "espfix" behaviour). The case starts with it zero, as the oracle's does,
    ; from a frame below 64 KiB.
    mov esp, IRET_STACK
    push edx                    ; SS
    push dword [payload + P_GPR_IN + 4 * 8]   ; ESP
    push dword [payload + P_EFL_IN]
    push ebx                    ; CS
    push ecx                    ; EIP
    mov ax, 0x23
    mov fs, ax
    mov gs, ax
    mov es, dx
    mov [ss:user_ds], dx
    mov eax, [payload + P_GPR_IN + 0 * 8]
    mov ecx, [payload + P_GPR_IN + 1 * 8]
    mov edx, [payload + P_GPR_IN + 2 * 8]
    mov ebx, [payload + P_GPR_IN + 3 * 8]
    mov ebp, [payload + P_GPR_IN + 5 * 8]
    mov esi, [payload + P_GPR_IN + 6 * 8]
    mov edi, [payload + P_GPR_IN + 7 * 8]
    mov ds, [ss:user_ds]
    iretd

; 64-bit cases: the oracle's IA-32e environment (difftest/emu.cpp), entered from the flat
; protected mode above: its GDT (Linux's user selectors 0x2B and 0x33, ring 0's 64-bit code at
; 0x38, the TSS at 0x40 and the LDT at 0x50), 16-byte gates to ring 0's 64-bit code, the low
; 16 MiB mapped by 2 MiB user pages, EFER as Linux sets it, then IRETQ to the case at CPL 3.
enter_long_mode:
    mov dword [tss + 8], 0      ; RSP0's upper half, where the 32-bit TSS keeps SS0
    DESC_BASE gdt64 + 0x40, tss
    DESC_BASE gdt64 + 0x50, ldt
    GATES idt64, 16, handler64_0, handler64_1, 0x38
    mov dword [pml4], pdpt + 7
    mov dword [pdpt], pd + 7
    xor ecx, ecx
.page:
    mov eax, ecx
    shl eax, 21
    or eax, 0x87                ; present, writable, user, 2 MiB
    mov [pd + 8 * ecx], eax
    inc ecx
    cmp ecx, 8
    jb .page
    lgdt [gdt64_ptr]
    mov eax, cr4
    or eax, 1 << 5              ; PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xC0000080         ; EFER: LME, SCE, NXE
    rdmsr
    or eax, (1 << 8) | (1 << 0) | (1 << 11)
    wrmsr
    mov eax, cr0
    or eax, 1 << 31
    mov cr0, eax
    jmp 0x38:.long
bits 64
.long:
    mov ax, 0x40
    ltr ax
    mov ax, 0x50
    lldt ax
    lidt [idt64_ptr]
    cmp dword [payload + P_SSE], 0
    je .no_sse
%assign r 0
%rep 16
    movups xmm %+ r, [payload + P_XMM_IN + 16 * r]
%assign r r + 1
%endrep
    ldmxcsr [payload + P_MXCSR_IN]
.no_sse:
    mov rsp, ring0_stack_top
    push qword 0x2B                            ; SS
    push qword [payload + P_GPR_IN + 4 * 8]    ; RSP
    mov eax, [payload + P_EFL_IN]
    push rax                                   ; RFLAGS
    push qword 0x33                            ; CS
    push qword CODE_START                      ; RIP
    mov ax, 0x2B
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov rax, [payload + P_GPR_IN + 0 * 8]
    mov rcx, [payload + P_GPR_IN + 1 * 8]
    mov rdx, [payload + P_GPR_IN + 2 * 8]
    mov rbx, [payload + P_GPR_IN + 3 * 8]
    mov rbp, [payload + P_GPR_IN + 5 * 8]
    mov rsi, [payload + P_GPR_IN + 6 * 8]
    mov rdi, [payload + P_GPR_IN + 7 * 8]
    mov r8, [payload + P_GPR_IN + 8 * 8]
    mov r9, [payload + P_GPR_IN + 9 * 8]
    mov r10, [payload + P_GPR_IN + 10 * 8]
    mov r11, [payload + P_GPR_IN + 11 * 8]
    mov r12, [payload + P_GPR_IN + 12 * 8]
    mov r13, [payload + P_GPR_IN + 13 * 8]
    mov r14, [payload + P_GPR_IN + 14 * 8]
    mov r15, [payload + P_GPR_IN + 15 * 8]
    iretq

; One stub per vector, each the same size, as the 32-bit ones below.
handler64_0:
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17
    add rsp, 8
%else
    db 0x0F, 0x1F, 0x40, 0x00   ; a 4-byte NOP
%endif
    push byte v
    jmp near common_handler64
%if v == 0
handler64_1:
%endif
%assign v v + 1
%endrep

; At ring 0: the vector, then RIP, CS, RFLAGS, RSP, SS of the case. Saves the case's end, then
; leaves long mode (compatibility mode, paging off, EFER.LME clear) for the 32-bit comparison.
common_handler64:
    cld
    mov [gpr_out + 0 * 8], rax
    mov [gpr_out + 1 * 8], rcx
    mov [gpr_out + 2 * 8], rdx
    mov [gpr_out + 3 * 8], rbx
    mov [gpr_out + 5 * 8], rbp
    mov [gpr_out + 6 * 8], rsi
    mov [gpr_out + 7 * 8], rdi
    mov [gpr_out + 8 * 8], r8
    mov [gpr_out + 9 * 8], r9
    mov [gpr_out + 10 * 8], r10
    mov [gpr_out + 11 * 8], r11
    mov [gpr_out + 12 * 8], r12
    mov [gpr_out + 13 * 8], r13
    mov [gpr_out + 14 * 8], r14
    mov [gpr_out + 15 * 8], r15
    pop rax                     ; the vector
    mov [vector], eax
    mov rax, [rsp]
    mov [eip_out], eax
    mov rax, [rsp + 24]
    mov [gpr_out + 4 * 8], rax  ; RSP
    mov rax, [rsp + 16]
    mov [eflags_out], eax
    cmp dword [payload + P_SSE], 0
    je .leave
%assign r 0
%rep 16
    movups [xmm_out + 16 * r], xmm %+ r
%assign r r + 1
%endrep
    stmxcsr [mxcsr_out]
.leave:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, ring0_stack_top
    push qword 0x08
    push qword .compat
    retfq
bits 32
.compat:
    mov eax, cr0
    and eax, ~(1 << 31)
    mov cr0, eax
    mov ecx, 0xC0000080
    rdmsr
    and eax, ~(1 << 8)
    wrmsr
    jmp compare

; One stub per vector, each the same size: the vectors with an error code drop it first.
handler_0:
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17
    add esp, 4
%else
    nop
    nop
    nop
%endif
    push dword v
    jmp near common_handler
%if v == 0
handler_1:
%endif
%assign v v + 1
%endrep

; At ring 0 on the TSS's stack: the vector, then EIP, CS, EFLAGS, ESP, SS of the case.
common_handler:
    cld                         ; the case may have left DF set: the string code below counts up
    mov [ss:gpr_out + 0 * 8], eax
    mov [ss:gpr_out + 1 * 8], ecx
    mov [ss:gpr_out + 2 * 8], edx
    mov [ss:gpr_out + 3 * 8], ebx
    mov [ss:gpr_out + 5 * 8], ebp
    mov [ss:gpr_out + 6 * 8], esi
    mov [ss:gpr_out + 7 * 8], edi
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    pop eax                     ; the vector
    mov [vector], eax
    mov eax, [esp]
    mov [eip_out], eax
    mov eax, [esp + 12]
    mov [gpr_out + 4 * 8], eax  ; ESP
    mov eax, [esp + 8]
    mov [eflags_out], eax
    cmp dword [payload + P_SSE], 0
    je compare
%assign r 0
%rep 8
    movups [xmm_out + 16 * r], xmm %+ r
%assign r r + 1
%endrep
    stmxcsr [mxcsr_out]
; The case's end as saved by either handler, against the reference's, in 32-bit code.
compare:
    ; The outcome: completed when the INT3 after the code ended the case, else the fault's class.
    mov ebx, [vector]
    movzx eax, byte [outcome_of + ebx]
    cmp ebx, 3
    jne .outcome
    mov ecx, CODE_START + 1
    add ecx, [payload + P_CODE_LEN]
    cmp dword [payload + P_MODE], MODE_CODE16
    jne .end_eip
    sub ecx, CODE
.end_eip:
    cmp [eip_out], ecx
    jne .outcome
    xor eax, eax                ; completed
.outcome:
    mov [outcome], eax
    cmp eax, [payload + P_OUTCOME]
    je .same_outcome
    mov esi, msg_outcome
    mov ebx, [payload + P_OUTCOME]
    mov ecx, eax
    call report
    jmp .memory
.same_outcome:
    test eax, eax
    jnz .sse                    ; after a fault the host gives no registers
    ; The registers' dwords: the low ones of 8 registers (32-bit code) or both of 16 (64-bit).
    mov edi, 16
    mov ebp, 2                  ; dwords from one compared dword to the next
    cmp dword [payload + P_MODE], MODE_LONG64
    jne .gprs
    mov edi, 32
    mov ebp, 1
.gprs:
    xor edx, edx
.gpr:
    mov ebx, [payload + P_GPR_EXP + 4 * edx]
    mov ecx, [gpr_out + 4 * edx]
    imul esi, edx, 12
    add esi, gpr_names
    call report
    add edx, ebp
    cmp edx, edi
    jb .gpr
    mov ebx, [payload + P_EFL_EXP]
    mov ecx, [eflags_out]
    and ebx, [payload + P_FLAG_MASK]
    and ecx, [payload + P_FLAG_MASK]
    mov esi, msg_eflags
    call report
.sse:
    cmp dword [payload + P_SSE], 0
    je .memory
    mov edi, 32                 ; XMM0-7's dwords, XMM0-15's in 64-bit code
    cmp dword [payload + P_MODE], MODE_LONG64
    jne .xmms
    mov edi, 64
.xmms:
    xor edx, edx
.xmm:
    mov ebx, [payload + P_XMM_EXP + 4 * edx]
    mov ecx, [xmm_out + 4 * edx]
    mov esi, msg_xmm
    call report
    inc edx
    cmp edx, edi
    jb .xmm
    mov ebx, [payload + P_MXCSR_EXP]
    mov ecx, [mxcsr_out]
    mov esi, msg_mxcsr
    call report
.memory:
    xor edx, edx
.byte:
    movzx ebx, byte [payload + P_DATA_EXP + edx]
    movzx ecx, byte [DATA + edx]
    mov esi, msg_byte
    call report
    inc edx
    cmp edx, 2 * PAGE
    jb .byte
    cmp dword [failures], 0
    jne .failed
    mov esi, msg_pass
    call puts
    xor al, al
    out 0xF4, al
    hlt
.failed:
    mov al, 1
    out 0xF4, al
    hlt

; report: a FAIL: line "FAIL: <esi> (index edx): expected ebx, got ecx" when ebx != ecx (the
; first 32 only: a count follows).
report:
    cmp ebx, ecx
    je .same
    inc dword [failures]
    cmp dword [failures], 32
    ja .same
    push esi
    mov esi, msg_fail
    call puts
    pop esi
    call puts
    mov esi, msg_index
    call puts
    mov eax, edx
    call put_hex
    mov esi, msg_expected
    call puts
    mov eax, ebx
    call put_hex
    mov esi, msg_got
    call puts
    mov eax, ecx
    call put_hex
    mov al, 10
    out 0xE9, al
.same:
    ret

puts:                           ; the zero-terminated text at esi
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp puts
.done:
    ret

put_hex:                        ; eax as 8 hex digits
    push ecx
    mov ecx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '0' - 10
.out:
    out 0xE9, al
    pop eax
    loop .digit
    pop ecx
    ret

msg_no_payload: db `FAIL: no reproducer payload after the stub\n`, 0
msg_pass: db `PASS: the case ends as the reference's did\n`, 0
msg_fail: db `FAIL: `, 0
msg_index: db ` #`, 0
msg_expected: db `: expected `, 0
msg_got: db `, got `, 0
msg_outcome: db `outcome (0 completed, 1 #GP/#SS/#NP/#PF, 2 #DE/#MF, 3 #UD, 4 #AC, 5 #DB/#BP, 6 other)`, 0
msg_eflags: db `eflags (defined flags)`, 0
msg_xmm: db `xmm dword`, 0
msg_mxcsr: db `mxcsr`, 0
msg_byte: db `byte at 0x804000 +`, 0
; Each register dword's name, 12 bytes apart (32-bit code compares the low ones: rax[31:0] is eax).
gpr_names:
    db `rax[31:0]`, 0, 0, 0, `rax[63:32]`, 0, 0
    db `rcx[31:0]`, 0, 0, 0, `rcx[63:32]`, 0, 0
    db `rdx[31:0]`, 0, 0, 0, `rdx[63:32]`, 0, 0
    db `rbx[31:0]`, 0, 0, 0, `rbx[63:32]`, 0, 0
    db `rsp[31:0]`, 0, 0, 0, `rsp[63:32]`, 0, 0
    db `rbp[31:0]`, 0, 0, 0, `rbp[63:32]`, 0, 0
    db `rsi[31:0]`, 0, 0, 0, `rsi[63:32]`, 0, 0
    db `rdi[31:0]`, 0, 0, 0, `rdi[63:32]`, 0, 0
    db `r8[31:0]`, 0, 0, 0, 0, `r8[63:32]`, 0, 0, 0
    db `r9[31:0]`, 0, 0, 0, 0, `r9[63:32]`, 0, 0, 0
    db `r10[31:0]`, 0, 0, 0, `r10[63:32]`, 0, 0
    db `r11[31:0]`, 0, 0, 0, `r11[63:32]`, 0, 0
    db `r12[31:0]`, 0, 0, 0, `r12[63:32]`, 0, 0
    db `r13[31:0]`, 0, 0, 0, `r13[63:32]`, 0, 0
    db `r14[31:0]`, 0, 0, 0, `r14[63:32]`, 0, 0
    db `r15[31:0]`, 0, 0, 0, `r15[63:32]`, 0, 0
; difftest::Outcome per vector, as Linux signals a user process (difftest/emu.cpp, from_vector).
outcome_of: db 2, 5, 1, 5, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
mode_cs: dw 0x1B, 0x1B, 0x07
mode_ds: dw 0x23, 0x17, 0x0F

align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF       ; 0x08 flat 32-bit code, DPL 0
    dq 0x00CF93000000FFFF       ; 0x10 flat data, DPL 0
    dq 0x00CFFB000000FFFF       ; 0x18 flat 32-bit code, DPL 3
    dq 0x00CFF3000000FFFF       ; 0x20 flat data, DPL 3
    dq 0x0000890000000067       ; 0x28 available 32-bit TSS (base filled in; LTR marks it busy)
    dq 0x0000820000000017       ; 0x30 LDT (base filled in)
gdt_end:
gdt_ptr: dw gdt_end - gdt - 1
         dd gdt
idt_ptr: dw 32 * 8 - 1
         dd idt
; The 64-bit cases' GDT (difftest/emu.cpp): the first four entries as above.
align 8
gdt64:
    dq 0
    dq 0x00CF9B000000FFFF       ; 0x08 flat 32-bit code, DPL 0
    dq 0x00CF93000000FFFF       ; 0x10 flat data, DPL 0
    dq 0x00CFFB000000FFFF       ; 0x18 flat 32-bit code, DPL 3
    dq 0x00CFF3000000FFFF       ; 0x20 flat data, DPL 3
    dq 0x00CFF3000000FFFF       ; 0x28 flat data, DPL 3 (0x2B)
    dq 0x00AFFB000000FFFF       ; 0x30 64-bit code, DPL 3 (0x33)
    dq 0x00AF9B000000FFFF       ; 0x38 64-bit code, DPL 0
    dq 0x0000890000000067, 0    ; 0x40 available 64-bit TSS (base filled in)
    dq 0x0000820000000017, 0    ; 0x50 LDT (base filled in)
gdt64_end:
gdt64_ptr: dw gdt64_end - gdt64 - 1
           dd gdt64
idt64_ptr: dw 32 * 16 - 1
           dq idt64
; The LDT as the host's modify_ldt makes it: base CODE, byte limit 0xFFFF, DPL 3, AVL clear.
ldt:
    dq 0xFFFF | (CODE << 16) | (0xFB << 40)                 ; 0x07 16-bit code
    dq 0xFFFF | (CODE << 16) | (0xF3 << 40)                 ; 0x0F 16-bit data (B = 0)
    dq 0xFFFF | (CODE << 16) | (0xF3 << 40) | (0x4 << 52)   ; 0x17 32-bit data (B = 1)
tss:
    dd 0
    dd ring0_stack_top          ; ESP0
    dd 0x10                     ; SS0
    times 0x64 - 12 db 0
    dd 0x68 << 16               ; no I/O bitmap: IN/OUT at CPL 3 raise #GP, as on the host
align 16
payload:
    times PAYLOAD_SIZE db 0

section .bss
idt: resb 32 * 8
user_ds: resw 1
alignb 16
xmm_out: resb 256
gpr_out: resq 16
eip_out: resd 1
eflags_out: resd 1
mxcsr_out: resd 1
vector: resd 1
outcome: resd 1
failures: resd 1
alignb 16
ring0_stack: resb 4096
ring0_stack_top:
idt64: resb 32 * 16
alignb 4096
pml4: resb 4096
pdpt: resb 4096
pd: resb 4096
bss_end:
