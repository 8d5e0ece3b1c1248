; Booted by the BIOS from a hard disk: walks INT 15h E820 the way Linux's setup code does and
; prints each entry (base, length, type), then E801h and 88h, then the A20 calls checked the way
; GRUB and Linux test the gate (FFFF:0210 against 0000:0200).
%include "lib/boot.inc"

ENTRY equ 0x600

start:
    BOOT_INIT
    xor ebx, ebx
.next:
    mov eax, 0xE820
    mov edx, 'PAMS'                 ; EDX = 534D4150h, 'SMAP'
    mov ecx, 20
    mov di, ENTRY
    int 0x15
    CHECK nc, 1
    cmp eax, 'PAMS'
    CHECK e, 2
    cmp ecx, 20
    CHECK e, 3
    mov si, ENTRY + 4               ; base, length: high dword first
    call hex64
    call hex64
    mov eax, [si - 4]               ; type
    call hex32
    PUTS `\n`
    test ebx, ebx
    jnz .next

    mov ax, 0xE801
    int 0x15
    CHECK nc, 4
    push bx
    call hex16
    pop ax
    call hex16
    mov ah, 0x88
    int 0x15
    CHECK nc, 5
    call hex16
    PUTS `\n`

    mov ax, 0xFFFF
    mov fs, ax
    mov ax, 0x2401
    int 0x15
    CHECK nc, 6
    mov byte [0x200], 0x11
    mov byte [fs:0x210], 0x22       ; 0x100200: a different byte
    cmp byte [0x200], 0x11
    CHECK e, 7
    mov ax, 0x2400
    int 0x15
    CHECK nc, 8
    mov byte [fs:0x210], 0x33       ; wraps to 0x200
    cmp byte [0x200], 0x33
    CHECK e, 9
    mov ax, 0x2402
    int 0x15
    cmp ax, 0x0000                  ; AH = 0, AL = 0: disabled
    CHECK e, 10
    PASS

; Prints the qword at [si + 4], [si] as 16 hex digits and a space; si += 8.
hex64:
    mov eax, [si]
    mov cx, 8
    call digits
    mov eax, [si - 4]
    add si, 8
    ; fall through
; Prints eax as 8 hex digits and a space.
hex32:
    mov cx, 8
    jmp hex_n
; Prints ax as 4 hex digits and a space.
hex16:
    shl eax, 16
    mov cx, 4
hex_n:
    call digits
    PUTS ` `
    ret

; Prints the top cx nibbles of eax.
digits:
    rol eax, 4
    push ax
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .digit
    add al, 'A' - '9' - 1
.digit:
    out 0xE9, al
    pop ax
    loop digits
    ret

BOOT_SIGNATURE
