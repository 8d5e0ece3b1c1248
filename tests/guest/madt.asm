; The MADT as an OS finds and parses it, booted by the built-in BIOS from a hard disk (POST
; installs the ACPI tables): the RSDP in the BIOS area, the RSDT, and with an APIC (-cpu max:
; CPUID.1:EDX.APIC) a checksummed MADT whose entries are printed (local APIC, I/O APIC,
; interrupt source overrides, local APIC NMI) and whose I/O APIC answers at the address it
; gives; without one (-cpu pentium2) the RSDT lists no MADT.
%include "lib/boot.inc"

; SHOW "label", load: the label, then EAX as the load leaves it in hex.
%macro SHOW 2+
    PUTS32 %1
    %2
    call hex32
%endmacro

; PUTS32 "text": the text on the debug console from 32-bit code.
%macro PUTS32 1
    jmp %%after
%%text: db %1
%%end:
%%after:
    push esi
    push ecx
    push edx
    mov esi, %%text
    mov ecx, %%end - %%text
    mov dx, 0xE9
    cld
    rep outsb
    pop edx
    pop ecx
    pop esi
%endmacro

start:
    BOOT_INIT
    mov ax, 0x0203                  ; sectors 1-3 (CHS 0/0/2) after this one
    mov bx, stage2
    mov cx, 0x0002
    xor dh, dh
    int 0x13
    CHECK nc, 1
    jmp stage2

BOOT_SIGNATURE

stage2:
    mov eax, 1
    cpuid
    shr edx, 9                      ; APIC
    and edx, 1
    mov [has_apic], edx
    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp 0x08:pm

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7C00

    ; The RSDP: on a 16-byte boundary in E0000-FFFFF, its 20 bytes summing to 0.
    mov esi, 0xE0000
.scan:
    cmp dword [esi], 'RSD '
    jne .next
    cmp dword [esi + 4], 'PTR '
    jne .next
    mov ecx, 20
    call sum
    jz .found
.next:
    add esi, 16
    cmp esi, 0x100000
    jb .scan
    FAIL 2
.found:
    mov esi, [esi + 16]             ; the RSDT
    cmp dword [esi], 'RSDT'
    CHECK e, 3
    mov ecx, [esi + 4]
    call sum
    CHECK z, 4
    mov ecx, [esi + 4]
    sub ecx, 36
    shr ecx, 2
    lea ebx, [esi + 36]
    xor edi, edi                    ; the MADT, if listed
.table:
    mov edx, [ebx]
    cmp dword [edx], 'APIC'
    jne .other
    test edi, edi
    CHECK z, 5                      ; only once
    mov edi, edx
.other:
    add ebx, 4
    loop .table
    cmp dword [has_apic], 0
    jne .madt
    test edi, edi
    CHECK z, 6
    PUTS32 `no APIC: no MADT in the RSDT\n`
    PASS

.madt:
    test edi, edi
    CHECK nz, 7
    mov esi, edi
    mov ecx, [esi + 4]
    call sum
    CHECK z, 8
    SHOW `MADT: local APIC at `, mov eax, [esi + 36]
    SHOW `, flags `, mov eax, [esi + 40]
    PUTS32 `\n`
    mov ebx, esi
    add ebx, [esi + 4]              ; end
    add esi, 44
.entry:
    cmp esi, ebx
    jae .done
    movzx eax, byte [esi]
    cmp al, 0
    je .lapic
    cmp al, 1
    je .ioapic
    cmp al, 2
    je .override
    cmp al, 4
    je .nmi
    FAIL 9
.lapic:
    SHOW `local APIC: processor `, movzx eax, byte [esi + 2]
    SHOW ` APIC ID `, movzx eax, byte [esi + 3]
    SHOW ` flags `, mov eax, [esi + 4]
    jmp .end
.ioapic:
    SHOW `I/O APIC: ID `, movzx eax, byte [esi + 2]
    SHOW ` at `, mov eax, [esi + 4]
    mov [ioapic], eax               ; hex32 leaves EAX as it was
    SHOW ` GSI base `, mov eax, [esi + 8]
    jmp .end
.override:
    SHOW `override: bus `, movzx eax, byte [esi + 2]
    SHOW ` IRQ `, movzx eax, byte [esi + 3]
    SHOW ` GSI `, mov eax, [esi + 4]
    SHOW ` flags `, movzx eax, word [esi + 8]
    jmp .end
.nmi:
    SHOW `local APIC NMI: processor `, movzx eax, byte [esi + 2]
    SHOW ` flags `, movzx eax, word [esi + 3]
    SHOW ` LINT `, movzx eax, byte [esi + 5]
.end:
    PUTS32 `\n`
    movzx eax, byte [esi + 1]
    add esi, eax
    jmp .entry
.done:
    CHECK e, 10                     ; the entries end exactly at the table's end
    mov esi, [ioapic]
    test esi, esi
    CHECK nz, 11
    mov dword [esi], 1              ; IOREGSEL: the version register
    mov eax, [esi + 0x10]
    PUTS32 `I/O APIC version register: `
    call hex32
    PUTS32 `\n`
    PASS

; ZF set when the ECX bytes at ESI sum to 0 (mod 256).
sum:
    push esi
    xor al, al
.add:
    add al, [esi]
    inc esi
    loop .add
    pop esi
    test al, al
    ret

; EAX as eight hex digits on the debug console (EAX rotated back to its value).
hex32:
    push ecx
    mov ecx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0xF
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    out 0xE9, al
    pop eax
    loop .digit
    pop ecx
    ret

FLAT_GDT
has_apic: dd 0
ioapic:   dd 0
    times 2048 - ($ - $$) db 0
