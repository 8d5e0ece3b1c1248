; The reproducer stub of `jitpc conform diff --repro`: a Multiboot kernel (a.out kludge, loaded
; at 1 MiB) that recreates the differential oracle's environment (difftest/emu.cpp: protected
; mode, paging off, the case at CPL 3 with the same GDT, LDT and TSS selectors, every exception
; through an interrupt gate onto a ring-0 stack), runs one case from the payload conform appends
; after it (conform/repro.cpp writes the layout below), compares the end with the reference's
; and reports as test kernels do: PASS:/FAIL: lines on port 0xE9, exit code 0 (the case ends as
; the reference's did) or 1 through isa-debug-exit at 0xF4.
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
%define P_MODE      4       ; 0 flat 32-bit, 1 32-bit code with LDT data, 2 16-bit LDT code
%define P_SSE       8       ; 1: load and compare XMM0-7 and MXCSR (CR4.OSFXSR, XCR0 = 3)
%define P_CODE_LEN  12
%define P_GPR_IN    16      ; eax ecx edx ebx esp ebp esi edi
%define P_EFL_IN    48
%define P_MXCSR_IN  52
%define P_OUTCOME   56      ; the reference's outcome class (difftest::Outcome)
%define P_FLAG_MASK 60
%define P_GPR_EXP   64
%define P_EFL_EXP   96
%define P_MXCSR_EXP 100
%define P_XMM_IN    128
%define P_XMM_EXP   256
%define P_CODE      384
%define P_DATA_IN   2048
%define P_STACK_IN  (P_DATA_IN + PAGE)
%define P_DATA_EXP  (P_DATA_IN + 2 * PAGE)
%define P_STACK_EXP (P_DATA_IN + 3 * PAGE)

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
    ; The IDT: 32 interrupt gates to their stubs, DPL 0 but vector 3's (the case's end, INT3).
    xor ecx, ecx
.gate:
    mov eax, ecx
    imul eax, eax, handler_1 - handler_0
    add eax, handler_0
    mov [idt + 8 * ecx], ax
    mov word [idt + 8 * ecx + 2], 0x08
    mov word [idt + 8 * ecx + 4], 0x8E00
    shr eax, 16
    mov [idt + 8 * ecx + 6], ax
    inc ecx
    cmp ecx, 32
    jb .gate
    mov byte [idt + 8 * 3 + 5], 0xEE
    ; The TSS descriptor's base, the LDT descriptor's base.
    mov eax, tss
    mov [gdt + 0x28 + 2], ax
    shr eax, 16
    mov [gdt + 0x28 + 4], al
    mov [gdt + 0x28 + 7], ah
    mov eax, ldt
    mov [gdt + 0x30 + 2], ax
    shr eax, 16
    mov [gdt + 0x30 + 4], al
    mov [gdt + 0x30 + 7], ah
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
%assign r 0
%rep 8
    movups xmm %+ r, [payload + P_XMM_IN + 16 * r]
%assign r r + 1
%endrep
    ldmxcsr [payload + P_MXCSR_IN]
.no_sse:
    ; The mode's selectors: CS, then DS/ES/SS; FS and GS flat.
    mov eax, [payload + P_MODE]
    movzx ebx, word [mode_cs + 2 * eax]
    movzx edx, word [mode_ds + 2 * eax]
    mov ecx, CODE_START
    cmp eax, 2
    jne .eip
    sub ecx, CODE               ; 16-bit code: EIP is an offset in the LDT code segment
.eip:
    ; IRET to a 16-bit stack segment loads SP only: ESP's upper half stays the one of the stack
    ; IRET runs on (the "espfix" behaviour). The case starts with it zero, as the oracle's does,
    ; from a frame below 64 KiB.
    mov esp, IRET_STACK
    push edx                    ; SS
    push dword [payload + P_GPR_IN + 4 * 4]   ; ESP
    push dword [payload + P_EFL_IN]
    push ebx                    ; CS
    push ecx                    ; EIP
    mov ax, 0x23
    mov fs, ax
    mov gs, ax
    mov es, dx
    mov [ss:user_ds], dx
    mov eax, [payload + P_GPR_IN + 0 * 4]
    mov ecx, [payload + P_GPR_IN + 1 * 4]
    mov edx, [payload + P_GPR_IN + 2 * 4]
    mov ebx, [payload + P_GPR_IN + 3 * 4]
    mov ebp, [payload + P_GPR_IN + 5 * 4]
    mov esi, [payload + P_GPR_IN + 6 * 4]
    mov edi, [payload + P_GPR_IN + 7 * 4]
    mov ds, [ss:user_ds]
    iretd

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
    mov [ss:gpr_out + 0 * 4], eax
    mov [ss:gpr_out + 1 * 4], ecx
    mov [ss:gpr_out + 2 * 4], edx
    mov [ss:gpr_out + 3 * 4], ebx
    mov [ss:gpr_out + 5 * 4], ebp
    mov [ss:gpr_out + 6 * 4], esi
    mov [ss:gpr_out + 7 * 4], edi
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    pop eax                     ; the vector
    mov [vector], eax
    mov eax, [esp + 12]
    mov [gpr_out + 4 * 4], eax  ; ESP
    mov eax, [esp + 8]
    mov [eflags_out], eax
    cmp dword [payload + P_SSE], 0
    je .no_sse
%assign r 0
%rep 8
    movups [xmm_out + 16 * r], xmm %+ r
%assign r r + 1
%endrep
    stmxcsr [mxcsr_out]
.no_sse:
    ; The outcome: completed when the INT3 after the code ended the case, else the fault's class.
    mov ebx, [vector]
    movzx eax, byte [outcome_of + ebx]
    cmp ebx, 3
    jne .outcome
    mov ecx, CODE_START + 1
    add ecx, [payload + P_CODE_LEN]
    cmp dword [payload + P_MODE], 2
    jne .end_eip
    sub ecx, CODE
.end_eip:
    cmp [esp], ecx
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
    xor edx, edx
.gpr:
    mov ebx, [payload + P_GPR_EXP + 4 * edx]
    mov ecx, [gpr_out + 4 * edx]
    lea esi, [gpr_names + 8 * edx]
    call report
    inc edx
    cmp edx, 8
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
    xor edx, edx
.xmm:
    mov ebx, [payload + P_XMM_EXP + 4 * edx]
    mov ecx, [xmm_out + 4 * edx]
    mov esi, msg_xmm
    call report
    inc edx
    cmp edx, 32
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
gpr_names: db `eax`, 0, 0, 0, 0, 0, `ecx`, 0, 0, 0, 0, 0, `edx`, 0, 0, 0, 0, 0, `ebx`, 0, 0, 0, 0, 0
           db `esp`, 0, 0, 0, 0, 0, `ebp`, 0, 0, 0, 0, 0, `esi`, 0, 0, 0, 0, 0, `edi`, 0, 0, 0, 0, 0
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
xmm_out: resb 128
gpr_out: resd 8
eflags_out: resd 1
mxcsr_out: resd 1
vector: resd 1
outcome: resd 1
failures: resd 1
ring0_stack: resb 4096
ring0_stack_top:
bss_end:
