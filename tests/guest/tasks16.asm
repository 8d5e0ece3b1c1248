; Task switches between the 32-bit first task and a 16-bit (286) TSS: CALL through a task gate
; (back link, NT, both busy, registers loaded from the 16-bit fields, FS/GS null, EFLAGS upper
; word clear), IRET back (outgoing state saved in 16-bit format, 32-bit state restored whole),
; then JMP to the 16-bit TSS resuming where it left off and JMP back.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_T16 0x30
%define SEL_GATE 0x38
%define SEL_C16 0x40            ; flat-limit 32-bit code based at t16_entry: IP fits 16 bits
%define SEL_S16 0x48            ; 16-bit stack segment for the 16-bit task
%define EFL_NT 0x4000
%define EFL_AC 0x40000

; TYPE sel, type, code: the descriptor's type nibble.
%macro TYPE 3
    mov al, [gdt + (%1) + 5]
    and al, 0x0F
    cmp al, %2
    CHECK e, %3
%endmacro

start:
    PM_INIT
    SETDESC SEL_C16, t16_entry, 0xFFFFF, 0x9A
    or byte [gdt + SEL_C16 + 6], 0xC0           ; 4 GiB, 32-bit
    SETDESC SEL_S16, stack16, 0xFFF, 0x92
    SETDESC SEL_T16, tss16, 0x2B, 0x81
    mov dword [gdt + SEL_GATE], SEL_T16 << 16
    mov dword [gdt + SEL_GATE + 4], 0x8500
    mov word [tss16 + 0x0E], 0                  ; IP
    mov word [tss16 + 0x10], 2                  ; FLAGS
    mov word [tss16 + 0x12], 0xA1A1             ; AX
    mov word [tss16 + 0x14], 0xC1C1             ; CX
    mov word [tss16 + 0x1A], 0x800              ; SP
    mov word [tss16 + 0x22], SEL_DATA0          ; ES
    mov word [tss16 + 0x24], SEL_C16            ; CS
    mov word [tss16 + 0x26], SEL_S16            ; SS
    mov word [tss16 + 0x28], SEL_DATA0          ; DS

    clts
    pushfd
    or dword [esp], EFL_AC                      ; upper EFLAGS word survives in the 32-bit TSS
    popfd
    mov ebx, 0x12345678
    mov esi, 0x87654321
    call SEL_GATE:0
    cmp ebx, 0x12345678
    CHECK e, 4
    cmp esi, 0x87654321
    CHECK e, 4
    pushfd
    pop eax
    test eax, EFL_NT
    CHECK z, 4
    test eax, EFL_AC
    CHECK nz, 4
    mov ax, fs
    cmp ax, SEL_DATA0
    CHECK e, 4
    mov ax, gs
    cmp ax, SEL_DATA0
    CHECK e, 4
    str ax
    cmp ax, SEL_TSS
    CHECK e, 4
    TYPE SEL_T16, 1, 4
    TYPE SEL_TSS, 11, 4
    TS_SET 4
    PUTS `IRET back to the 32-bit task: state, busy bits, NT ok\n`

    cmp word [tss16 + 0x18], 0x5A5A             ; BX saved in 16 bits
    CHECK e, 5
    cmp word [tss16 + 0x1C], 0x3C3C             ; BP
    CHECK e, 5
    cmp word [tss16 + 0x0E], t16_resume - t16_entry
    CHECK e, 5
    test word [tss16 + 0x10], EFL_NT            ; IRET saves FLAGS with NT clear
    CHECK z, 5
    cmp word [tss16 + 0x26], SEL_S16
    CHECK e, 5
    cmp word [tss16 + 0x2A], 0                  ; the LDT field is not written
    CHECK e, 5
    PUTS `16-bit TSS saved in its own format ok\n`

    clts
    jmp SEL_T16:0
    ; t16_resume jumps back here
    TYPE SEL_T16, 1, 8
    TYPE SEL_TSS, 11, 8
    TS_SET 8
    cmp ebx, 0x12345678
    CHECK e, 8
    PUTS `JMP back from the 16-bit task ok\n`
    PASS

; The 16-bit task: everything from here is addressed through SEL_C16.
t16_entry:
    cmp ax, 0xA1A1
    CHECK e, 1
    cmp cx, 0xC1C1
    CHECK e, 1
    cmp sp, 0x800
    CHECK e, 1
    str ax
    cmp ax, SEL_T16
    CHECK e, 1
    mov ax, fs                                  ; not in a 16-bit TSS: loaded null
    test ax, ax
    CHECK z, 1
    mov ax, gs
    test ax, ax
    CHECK z, 1
    mov ax, ss
    cmp ax, SEL_S16
    CHECK e, 1
    PUTS `16-bit TSS loaded: registers, selectors ok\n`
    pushfd
    pop eax
    test eax, EFL_NT
    CHECK nz, 2
    test eax, 0xFFFF0000                        ; FLAGS word only
    CHECK z, 2
    cmp word [tss16], SEL_TSS                   ; back link
    CHECK e, 2
    TYPE SEL_T16, 3, 2
    TYPE SEL_TSS, 11, 2
    TS_SET 2
    cmp dword [tss0 + 0x34], 0x12345678         ; the caller saved in 32-bit format: EBX
    CHECK e, 2
    cmp dword [tss0 + 0x4C], SEL_CODE0          ; CS as a zero-extended dword
    CHECK e, 2
    PUTS `CALL to a 16-bit TSS: back link, NT, busy bits ok\n`
    mov bx, 0x5A5A
    mov bp, 0x3C3C
    iretd
t16_resume:
    pushfd
    pop eax
    test eax, EFL_NT                            ; a JMP does not nest
    CHECK z, 6
    cmp bx, 0x5A5A
    CHECK e, 6
    cmp bp, 0x3C3C
    CHECK e, 6
    cmp sp, 0x800
    CHECK e, 6
    TYPE SEL_T16, 3, 6
    TYPE SEL_TSS, 9, 6
    PUTS `JMP to the 16-bit TSS resumes after the IRET ok\n`
    jmp SEL_TSS:0

    PM_CODE
    PM_DATA
    PM_BSS
tss16: resb 0x2C
alignb 16
stack16: resb 4096
bss_end:
