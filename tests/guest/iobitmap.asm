; The I/O permission bitmap at CPL 3: ports the TSS's bitmap allows and denies, accesses
; spanning an allowed and a denied port, ports past the TSS limit, a bitmap offset past it, and
; IOPL 3 overriding the bitmap; CLI against IOPL.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_IOTSS 0x30
%define MAP_BYTES 33                ; ports 0-0x107; the TSS limit is the last one's offset
%define IOPL3     0x3000

; ALLOW port: clear the port's bit in the bitmap.
%macro ALLOW 1
    and byte [io_tss + 104 + (%1) / 8], ~(1 << ((%1) % 8))
%endmacro

start:
    PM_INIT
    mov edi, io_tss
    xor eax, eax
    mov ecx, 104 / 4
    rep stosd
    mov al, 0xFF
    mov ecx, MAP_BYTES
    rep stosb
    mov dword [io_tss + 4], stack_top
    mov dword [io_tss + 8], SEL_DATA0
    mov word [io_tss + 0x66], 104
    ALLOW 0xE9
    ALLOW 0x84
    ALLOW 0x85
    ALLOW 0x87
    ALLOW 0x100                     ; in the last byte: still refused, two bytes are read
    SETDESC SEL_IOTSS, io_tss, 104 + MAP_BYTES - 1, 0x89
    mov ax, SEL_IOTSS
    ltr ax

    RING3 u_puts
    EXPECT_FAULT VEC_BACK, 0, 1
    RING3 u_out80
    EXPECT_FAULT 13, 0, 2
    PUTS `ring 3, IOPL 0: OUT to a denied port #GP(0) ok\n`
    RING3 u_in_allowed
    EXPECT_FAULT VEC_BACK, 0, 3
    PUTS `ring 3, IOPL 0: word and byte IN from allowed ports ok\n`
    RING3 u_span_bit
    EXPECT_FAULT 13, 0, 4
    RING3 u_span_byte
    EXPECT_FAULT 13, 0, 4
    PUTS `word access to an allowed and a denied port: #GP(0) ok\n`
    RING3 u_past_limit
    EXPECT_FAULT 13, 0, 5
    PUTS `port past the TSS limit: #GP(0) ok\n`
    RING3 u_last_byte
    EXPECT_FAULT 13, 0, 9
    PUTS `allowed port in the map's last byte: #GP(0), the byte after is past the limit ok\n`
    mov word [io_tss + 0x66], 0x2000
    RING3 u_e9
    EXPECT_FAULT 13, 0, 6
    PUTS `bitmap offset past the TSS limit: #GP(0) even for 0xE9 ok\n`
    RING3 u_cli
    EXPECT_FAULT 13, 0, 7
    PUTS `CLI at CPL 3, IOPL 0: #GP(0) ok\n`

    mov dword [u_eflags], IOPL3 | 2
    RING3 u_iopl3
    EXPECT_FAULT VEC_BACK, 0, 8
    PUTS `IOPL 3: denied ports and CLI allowed without a bitmap ok\n`
    PASS

u_puts:
    PUTS `ring 3, IOPL 0: OUT to 0xE9 allowed by the bitmap ok\n`
    int VEC_BACK
u_out80:
    xor al, al
    out 0x80, al
    int VEC_BACK
u_in_allowed:
    in ax, 0x84
    in al, 0x87
    mov dx, 0x84
    in ax, dx
    int VEC_BACK
u_span_bit:
    in ax, 0xE9                 ; 0xEA denied, same bitmap byte
    int VEC_BACK
u_span_byte:
    in ax, 0x87                 ; 0x88 denied, in the next bitmap byte
    int VEC_BACK
u_past_limit:
    mov dx, 0x108
    in al, dx
    int VEC_BACK
u_last_byte:
    mov dx, 0x100
    in al, dx
    int VEC_BACK
u_e9:
    mov al, '!'
    out 0xE9, al
    int VEC_BACK
u_cli:
    cli
    int VEC_BACK
u_iopl3:
    xor al, al
    out 0x80, al
    mov dx, 0x100
    in al, dx
    in ax, 0xE9
    cli
    int VEC_BACK

    PM_CODE
    PM_DATA
    PM_BSS
io_tss: resb 104 + MAP_BYTES
bss_end:
