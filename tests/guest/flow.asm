; Stack frames, near calls, loops and conditional moves as compiled code uses them.
%include "lib/multiboot.inc"

start:
    mov esp, stack_top
    ; fib(10) through a recursive cdecl function with ENTER/LEAVE frames.
    push 10
    call fib
    add esp, 4
    cmp eax, 55
    CHECK e, 1
    cmp esp, stack_top
    CHECK e, 2
    ; Sum 1..100 with LOOP.
    xor eax, eax
    mov ecx, 100
.sum:
    add eax, ecx
    loop .sum
    cmp eax, 5050
    CHECK e, 3
    ; max(7, 3) with CMOV; SETcc and MOVZX.
    mov eax, 3
    mov ebx, 7
    cmp ebx, eax
    cmovg eax, ebx
    setg cl
    movzx ecx, cl
    cmp eax, 7
    CHECK e, 4
    cmp ecx, 1
    CHECK e, 5
    ; PUSHAD/POPAD keep every register.
    mov edi, 0x1234
    pushad
    xor edi, edi
    popad
    cmp edi, 0x1234
    CHECK e, 6
    ; XADD and CMPXCHG on memory.
    mov dword [counter], 40
    mov eax, 2
    lock xadd [counter], eax
    cmp eax, 40
    CHECK e, 7
    mov eax, 42
    mov ebx, 99
    lock cmpxchg [counter], ebx
    CHECK e, 8
    cmp dword [counter], 99
    CHECK e, 9
    PUTS `flow ok\n`
    PASS

fib:
    enter 0, 0
    push ebx
    mov eax, [ebp + 8]
    cmp eax, 2
    jb .done
    dec eax
    push eax
    call fib
    mov ebx, eax
    mov eax, [esp]
    dec eax
    mov [esp], eax
    call fib
    add esp, 4
    add eax, ebx
.done:
    pop ebx
    leave
    ret

section .bss
counter:
    resd 1
    resb 4096
stack_top:
bss_end:
