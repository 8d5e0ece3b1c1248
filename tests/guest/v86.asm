; Virtual-8086 mode: entered with IRETD from ring 0; 16-bit code addresses memory with real-mode
; segment arithmetic; INT n with IOPL 3 goes to a ring 0 handler through the IDT with GS/FS/DS/ES
; in the frame and null data segments, and IRETD returns to v86; with IOPL 0, CLI raises #GP(0)
; (the handler resumes after it) and so does INT n, which ends the excursion.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define V86_BASE 0x8000                     ; the 16-bit code runs at 0800:0000
%define V(l) (V86_BASE + (l) - v86_start)  ; where a label of the 16-bit code lands
%define EFL_VM 0x20000
%define IOPL3 0x3000

start:
    PM_INIT
    SETGATE 13, gp_handler, 0x8E00
    SETGATE 0x31, v86_int31, 0xEE00
    SETGATE 0x32, v86_int32, 0xEE00
    mov esi, v86_start
    mov edi, V86_BASE
    mov ecx, v86_end - v86_start
    rep movsb

    TRY call enter_v86
    EXPECT_FAULT 13, 0, 1
    PUTS `INT n with IOPL 0 in v86: #GP(0) ok\n`

    cmp word [0x8124], 0xBEEF
    CHECK e, 2
    cmp word [V(v_bx)], 0xBEEF
    CHECK e, 2
    PUTS `real-mode segment arithmetic ok\n`

    and dword [frame + 8], 0xFFFFF700       ; drop the arithmetic flags
    mov esi, frame
    mov edi, frame_want
    mov ecx, 9
    repe cmpsd
    CHECK e, 3
    cmp word [handler_segs], 0
    CHECK e, 3
    cmp word [V(v_ax)], 0x5555
    CHECK e, 3
    PUTS `INT n with IOPL 3: frame with GS/FS/DS/ES, null segments, IRETD back ok\n`

    cmp dword [cli_faults], 1
    CHECK e, 4
    cmp dword [cli_err], 0
    CHECK e, 4
    cmp byte [V(v_after_cli)], 1
    CHECK e, 4
    PUTS `CLI with IOPL 0: #GP(0), resumed after it ok\n`
    PASS

enter_v86:
    push 0x0777                             ; GS
    push 0                                  ; FS
    push 0x0800                             ; DS
    push 0x0800                             ; ES
    push 0x0900                             ; SS
    push 0x0100                             ; ESP
    push EFL_VM | IOPL3 | 2
    push 0x0800                             ; CS
    push 0                                  ; EIP
    iretd

; DS..GS are null on entry from v86: record through SS.
v86_int31:
    mov ax, ds
    mov cx, es
    or ax, cx
    mov cx, fs
    or ax, cx
    mov cx, gs
    or ax, cx
    mov [ss:handler_segs], ax
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov esi, esp
    mov edi, frame
    mov ecx, 9
    rep movsd
    mov eax, 0x5555
    iretd

v86_int32:
    and dword [ss:esp + 8], ~IOPL3
    iretd

gp_handler:
    cmp dword [ss:esp + 4], V(cli_here) - V86_BASE
    jne fault_stub_13                       ; anything else ends the test run
    inc dword [ss:cli_faults]
    pop dword [ss:cli_err]
    inc dword [esp]
    iretd

bits 16
v86_start:
    mov ax, 0x0812
    mov es, ax
    mov word [es:0x0004], 0xBEEF            ; 0x8120 + 4
    mov ax, 0x0810
    mov fs, ax
    mov bx, [fs:0x0024]                     ; 0x8100 + 0x24: the same byte
    mov [v_bx - v86_start], bx
    xor eax, eax
    int 0x31
after_int31:
    mov [v_ax - v86_start], ax
    int 0x32
cli_here:
    cli
    mov byte [v_after_cli - v86_start], 1
    int 0x33
v_bx: dw 0
v_ax: dw 0
v_after_cli: db 0
v86_end:
bits 32

    PM_CODE
    PM_DATA
frame_want:
    dd V(after_int31) - V86_BASE, 0x0800, EFL_VM | IOPL3, 0x0100, 0x0900
    dd 0x0812, 0x0800, 0x0810, 0x0777
handler_segs: dw -1
cli_faults: dd 0
cli_err: dd -1
    PM_BSS
frame: resd 9
bss_end:
