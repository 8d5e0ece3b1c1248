; An exception frame written over code that already ran: a decoded block removed by a write that
; is not an instruction's own store. The block cache hashed removed blocks into its fast lookup
; table differently from lookups, so the removed block stayed reachable there and, once freed,
; a lookup read freed memory (a host crash under both engines when it ran it; this program
; shows the bug deterministically under AddressSanitizer, scripts/soak; the unit test
; block_cache_test.cpp in every build).
%include "lib/multiboot.inc"

start:
    mov esp, stack_top
    mov eax, ud_handler
    mov [idt + 6 * 8], ax
    mov word [idt + 6 * 8 + 2], 0x10
    mov word [idt + 6 * 8 + 4], 0x8E00
    shr eax, 16
    mov [idt + 6 * 8 + 6], ax
    lgdt [gdt_ptr]
    lidt [idt_ptr]
    jmp 0x10:.flat
.flat:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax
    call answer                 ; decoded and run
    cmp eax, 0x1234
    CHECK e, 1
    call answer                 ; found in the cache: now in its fast table too
    cmp eax, 0x1234
    CHECK e, 1
    mov [saved_esp], esp
    mov esp, answer_end         ; the #UD's frame (EIP, CS, EFLAGS) lands on answer's bytes
    ud2

ud_handler:
    mov esp, [saved_esp]
    mov esi, answer_copy        ; new code for answer (another write to the code page)
    mov edi, answer
    mov ecx, answer_end - answer
    rep movsb
    call answer                 ; the new code, not the removed block from the fast table
    cmp eax, 0x5678
    CHECK e, 2
    PUTS `frames over code: ok\n`
    PASS

align 16
answer:
    mov eax, 0x1234
    ret
    times 12 nop                ; room for the 12-byte frame
answer_end:
answer_copy:
    mov eax, 0x5678
    ret
    times 12 nop

align 8
gdt: dq 0, 0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF
gdt_end:
gdt_ptr: dw gdt_end - gdt - 1
         dd gdt
idt_ptr: dw 256 * 8 - 1
         dd idt

section .bss
idt: resb 256 * 8
saved_esp: resd 1
    resb 4096
stack_top:
bss_end:
