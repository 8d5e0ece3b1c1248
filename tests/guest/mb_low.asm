; A Multiboot kernel linked low, at 0x8000-0xA84C (as some public test kernels are), booted with
; itself as a module (-initrd): the loader must place the information block, its strings and
; the module list after the kernel and the module, in free memory, and overwrite none of the
; kernel (issue 17: the block was always written at 0x9000, over this kernel's code).
%define MB_LOAD 0x8000
%include "lib/multiboot.inc"

KERNEL_END equ 0xA84C

; Fails with `code` unless [%1, %1 + %2) lies outside the kernel and the module.
%macro OUTSIDE 3
    mov eax, %1
    mov ecx, %2
    call outside
    CHECK nc, %3
%endmacro

start:
    mov esp, stack_top
    cmp eax, 0x2BADB002
    CHECK e, 1
    mov ebp, ebx
    ; The kernel's bytes are intact, those at 0x9000 above all.
    mov esi, pattern
    mov ecx, (pattern_end - pattern) / 4
    mov eax, 0x9E3779B9
.check:
    cmp [esi], eax
    CHECK e, 2
    add eax, 0x9E3779B9
    add esi, 4
    dec ecx
    jnz .check
    ; One module: this image, whole, at a page boundary.
    test dword [ebp], 1 << 3
    CHECK nz, 3
    cmp dword [ebp + 20], 1
    CHECK e, 4
    mov edi, [ebp + 24]
    mov eax, [edi]
    mov [module], eax
    test eax, 0xFFF
    CHECK z, 5
    mov ecx, [edi + 4]
    sub ecx, eax
    cmp ecx, image_end - mb_header
    CHECK e, 6
    cmp dword [eax], 0x1BADB002
    CHECK e, 7
    ; The information block, the module list, the strings and the memory map lie in free
    ; memory.
    OUTSIDE ebp, 88, 8
    OUTSIDE edi, 16, 9
    OUTSIDE [edi + 8], 1, 10
    OUTSIDE [ebp + 16], 1, 11
    OUTSIDE [ebp + 48], [ebp + 44], 12
    PUTS `low kernel and module intact\n`
    PASS

; CF=1 when [EAX, EAX + ECX) overlaps the kernel or the module.
outside:
    lea edx, [eax + ecx]
    cmp edx, MB_LOAD
    jbe .not_kernel
    cmp eax, KERNEL_END
    jb .overlap
.not_kernel:
    mov ebx, [module]
    cmp edx, ebx
    jbe .ok
    add ebx, image_end - mb_header
    cmp eax, ebx
    jb .overlap
.ok:
    clc
    ret
.overlap:
    stc
    ret

align 4
module: dd 0
; Known words over 0x9000 and the pages around it.
pattern:
%assign v 0x9E3779B9
%rep (0xA000 - 0x8C00) / 4
    dd v
%assign v (v + 0x9E3779B9) & 0xFFFFFFFF
%endrep
pattern_end:
    times 0x1000 db 0
stack_top:
    times KERNEL_END - MB_LOAD - ($ - $$) db 0
image_end:

section .bss
bss_end:
