; Real mode from the reset vector: 16-bit ALU and addressing forms, operand- and address-size
; prefixes, INT/IRET through the IVT with a BIOS-style handler that edits the FLAGS image, and
; exceptions (#DE, #UD, #GP, #SS) delivered through the IVT with the faulting CS:IP.
%include "lib/rom.inc"

%define HANDLER_FLAGS 0x620 ; int81_clear_cf records the FLAGS it runs with here

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov ds, ax
    mov es, ax

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
