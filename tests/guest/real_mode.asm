; Real mode from the reset vector: 16-bit ALU and addressing forms, operand- and address-size
; prefixes, INT/IRET through the IVT with a BIOS-style handler that edits the FLAGS image, and
; exceptions (#DE, #UD, #GP, #SS) delivered through the IVT with the faulting CS:IP.
%include "lib/rom.inc"

%define HANDLER_FLAGS 0x620 ; int81_clear_cf records the FLAGS it runs with here

start:
    ROM_INIT

; ---- 16-bit ALU ----------------------------------------------------------------------------
    mov ax, 0x1234
    add ax, 0xEDCC              ; 0x10000: ZF and CF
    CHECK z, 1
    CHECK c, 2
    mov bx, 0x8000
    sub bx, 1                   ; 0x7FFF: signed overflow
    CHECK o, 3
    cmp bx, 0x7FFF
    CHECK e, 4
    mov cx, 0xFF00
    xor cl, 0x0F
    cmp cx, 0xFF0F
    CHECK e, 5
    mov dx, 0x00FF
    inc dl                      ; byte wraps, DH untouched
    cmp dx, 0x0000
    CHECK e, 6

; ---- addressing forms ----------------------------------------------------------------------
    mov word [es:0x1030], 0xA55A    ; DS:[bx+si] below, DS = 0x100
    mov word [es:0x300C], 0x5AA5    ; SS:[bp+di+4]
    mov word [es:0x400C], 0x1111    ; DS:[bp+di+4]
    mov ax, 0x0100
    mov ds, ax
    mov bx, 0x10
    mov si, 0x20
    cmp word [bx+si], 0xA55A
    CHECK e, 7
    mov bp, 0x3000
    mov di, 0x8
    cmp word [bp+di+4], 0x5AA5      ; BP-based forms default to SS
    CHECK e, 8
    cmp word [ds:bp+di+4], 0x1111   ; unless overridden
    CHECK e, 9
    cmp word [es:bx+si+0x1000], 0xA55A  ; ES:0x1030
    CHECK e, 10
    mov bx, 0xFFF0
    mov si, 0x0040
    cmp word [es:bx+si], 0x0000     ; 16-bit EA wraps: ES:0x0030 (IVT entry 12, still empty)
    CHECK e, 11
    xor ax, ax
    mov ds, ax

; ---- operand- and address-size prefixes ----------------------------------------------------
    mov eax, 0x12345678
    add eax, 0x0000FF88             ; carries out of the low word
    cmp eax, 0x12355600
    CHECK e, 12
    shr eax, 16
    cmp ax, 0x1235
    CHECK e, 13
    mov dword [0x1040], 0xCAFEF00D
    mov esi, 0x1000
    mov ecx, 0x10
    mov edx, [esi+ecx*4]            ; 67 66: 32-bit EA with scaled index
    cmp edx, 0xCAFEF00D
    CHECK e, 14
    mov ebx, 0xFFFF0000             ; with a 16-bit address size the high half is ignored
    cmp word [bx+0x1040], 0xF00D
    CHECK e, 15
    push eax                        ; 66: four bytes on a 16-bit stack
    cmp sp, 0x7000 - 4
    CHECK e, 16
    pop eax
    cmp sp, 0x7000
    CHECK e, 17

; ---- INT/IRET through the IVT, handler edits the FLAGS image ------------------------------
    SET_IVT 0x80, int80_set_cf
    SET_IVT 0x81, int81_clear_cf
    clc
    int 0x80
    CHECK c, 18
    stc
    int 0x81
    CHECK nc, 19
    test word [ss:HANDLER_FLAGS], 0x0200   ; INT cleared IF in the handler
    CHECK z, 20
    sti
    int 0x80                        ; the caller's IF comes back with IRET
    pushf
    cli
    pop ax
    test ax, 0x0200
    CHECK nz, 21
    test ax, 1
    CHECK nz, 22
    cmp sp, 0x7000
    CHECK e, 23

; ---- exceptions through the IVT with the faulting IP --------------------------------------
    mov ax, 0x1234
    xor bl, bl
    FAULTS 0, 24, div bl                ; #DE
    FAULTS 6, 25, ud2                   ; #UD
    FAULTS 6, 26, db 0xF0, 0x89, 0xD8   ; #UD: lock mov ax, bx (LOCK on a non-lockable instruction)
    FAULTS 13, 27, mov ax, [0xFFFF]     ; word straddling the 64 KiB limit: #GP (INT 13)
    FAULTS 13, 28, mov ax, [esi+0xF000] ; 0x1000 + 0xF000 is past the limit
    mov bp, 0xFFFF
    FAULTS 12, 29, mov ax, [bp]         ; the same through SS: #SS (INT 12)
    mov ax, [0xFFFE]                    ; the last whole word is fine
    mov al, [0xFFFF]                    ; and so is the last byte
    cmp sp, 0x7000
    CHECK e, 30

    ; The pushed IP names the first prefix of the faulting instruction.
    mov word [es:0x1000], 0
    mov bx, 0x1000
    FAULTS 0, 31, div dword [es:bx]     ; 26 66 F7 37
    SET_IVT 6, unexpected_ud            ; BOUND is a P6 instruction, never #UD
    mov word [0x1000], 0x10
    mov word [0x1002], 0x20
    mov ax, 0x30
    FAULTS 5, 32, bound ax, [0x1000]    ; #BR: 0x30 is above the upper bound
    mov ax, 0x18
    bound ax, [0x1000]                  ; inside the bounds: no fault

; ---- more real-mode control flow and flags -------------------------------------------------
    ; The IVT is wherever IDTR points, even in real mode.
    mov word [0x2000 + 0x82 * 4], int80_set_cf
    mov word [0x2000 + 0x82 * 4 + 2], ROM_SEG
    lidt [cs:ivt_at_2000]
    clc
    int 0x82
    CHECK c, 33
    lidt [cs:ivt_at_0]

    ; A BIOS-style handler that returns with RETF 2, discarding the FLAGS image.
    SET_IVT 0x83, int83_retf2
    int 0x83
    cmp dx, 0x8383
    CHECK e, 34
    cmp sp, 0x7000
    CHECK e, 35

    ; IRETD (66 CF) pops a 32-bit frame.
    pushfd
    push dword ROM_SEG
    push dword .after_iretd
    iretd
.after_iretd:
    cmp sp, 0x7000
    CHECK e, 36

    ; POPF at CPL 0 in real mode: IOPL and NT are writable, bit 15 and bits 3/5 read as zero,
    ; bit 1 as one.
    push word 0xFEFF & ~0x0100      ; everything but TF
    popf
    pushf
    pop ax
    cmp ax, 0x7ED7 & ~0x0100
    CHECK e, 37
    push word 0
    popf
    pushf
    pop ax
    cmp ax, 0x0002
    CHECK e, 38

    ; INTO traps (IP after it) only with OF set.
    SET_IVT 4, int04_count
    xor cx, cx
    mov al, 0x7F
    add al, 1                       ; OF=1
    into
    xor al, al                      ; OF=0
    into
    cmp cx, 1
    CHECK e, 39

    ; LOOP with a 32-bit address size counts in ECX.
    mov ecx, 0x00010002
    xor edx, edx
.loop32:
    inc edx
    a32 loop .loop32
    cmp edx, 0x00010002             ; not 2, as CX alone would give
    CHECK e, 40
    test ecx, ecx
    CHECK z, 41

    ; A far call through memory, and RETF back.
    mov word [0x1100], far_target
    mov word [0x1102], ROM_SEG
    xor dx, dx
    call far [0x1100]
    cmp dx, 0xFA12
    CHECK e, 42
    cmp sp, 0x7000
    CHECK e, 43

    ; A 66-prefixed near jump beyond the CS limit is #GP with the jump's IP.
    FAULTS 13, 44, db 0x66, 0xE9, 0x00, 0x00, 0x01, 0x00   ; jmp near +0x10000

    PUTS "real mode ok", 10
    PASS

; BIOS style: report through CF in the FLAGS image IRET pops.
int80_set_cf:
    push bp
    mov bp, sp
    or word [bp+6], 1
    pop bp
    iret

int81_clear_cf:
    push bp
    mov bp, sp
    push ax
    pushf
    pop ax
    mov [ss:HANDLER_FLAGS], ax
    and word [bp+6], ~1
    pop ax
    pop bp
    iret

int83_retf2:
    mov dx, 0x8383
    retf 2

int04_count:
    inc cx
    iret

far_target:
    mov dx, 0xFA12
    retf

ivt_at_2000:
    dw 0x3FF
    dd 0x2000
ivt_at_0:
    dw 0x3FF
    dd 0

unexpected_ud:
    FAIL 0x7F
