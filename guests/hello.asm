; The default guest until Linux boots (issue 3): a Multiboot program that greets on the serial
; console (COM1, polled like a boot loader), reports what it sees of the machine, and powers
; off through ACPI S5, so jitpc exits with status 0.
bits 32
org 0x100000

mb_header:
    dd 0x1BADB002
    dd 0x00010000
    dd -(0x1BADB002 + 0x00010000)
    dd mb_header, mb_header, 0, 0, start

; Sends the NUL-terminated string at ESI to COM1.
puts:
    mov dx, 0x3FD
.wait:
    in al, dx                   ; LSR.THRE
    test al, 0x20
    jz .wait
    lodsb
    test al, al
    jz .done
    mov dx, 0x3F8
    out dx, al
    jmp puts
.done:
    ret

start:
    mov esp, 0x90000
    mov esi, banner
    call puts
    xor eax, eax                ; CPUID vendor string into the message
    cpuid
    mov [vendor], ebx
    mov [vendor + 4], edx
    mov [vendor + 8], ecx
    mov esi, cpu_line
    call puts
    mov dx, 0x604               ; ACPI PM1a_CNT: SLP_TYP 5 | SLP_EN
    mov ax, 0x3400
    out dx, ax
    hlt

banner: db "jitpc: hello from the default guest (Linux arrives with the platform work)", 13, 10, 0
cpu_line: db "CPU vendor: "
vendor: db "????????????", 13, 10, 0
