; PIT IRQ 0 (1000 Hz) arriving while the CPU runs tight loops whose blocks jump to themselves,
; under both engines (engines.sh): the ticks must be taken during a 30-million-instruction
; counted loop (which must still add up) and must end a loop that only waits for them. The
; first tick's TSC and the tick count stay in EDI:EBP and ESI for the final-state comparison,
; and EBX mixes the arithmetic flags of every EFLAGS image the ticks pushed: a loop left for a
; tick must have stored the guest's flags, not the host's.
%include "lib/multiboot.inc"
%include "lib/pm.inc"
%include "lib/pic.inc"

%define PIT_COUNT 1193              ; 1,193,181.8 Hz / 1000: one tick per 999,847 ns
%define TURNS 10000000              ; 3 instructions each: about 30 ticks
%define SUM ((TURNS * (TURNS + 1) / 2) & 0xFFFFFFFF)

start:
    PM_INIT
    IRQ0_GATES irq0, unexpected
    mov al, 0x34                    ; PIT channel 0, lo/hi, mode 2
    out 0x43, al
    mov ax, PIT_COUNT
    out 0x40, al
    mov al, ah
    out 0x40, al
    PIC_INIT 0xFE                   ; only IRQ 0 unmasked

    rdtsc
    mov [t_start], eax
    xor eax, eax
    mov ecx, TURNS
    sti
.count:
    add eax, ecx
    dec ecx
    jnz .count
    cli
    cmp eax, SUM
    CHECK e, 1
    mov esi, [ticks]
    cmp esi, 25
    CHECK ae, 2
    cmp esi, 35
    CHECK be, 2
    mov eax, [t_first]
    sub eax, [t_start]
    cmp eax, 999847 + 2 * 838       ; the first tick one period after the count loaded
    CHECK b, 3
    PUTS `timer ticks taken inside a 30M-instruction loop ok\n`

    sti
    add esi, 5
.wait:
    cmp [ticks], esi
    jb .wait
    cli
    mov esi, [ticks]
    mov edi, [t_first + 4]
    mov ebp, [t_first]
    mov ebx, [flag_mix]
    PUTS `a loop that only waits for ticks ends ok\n`
    PASS

irq0:
    push eax
    push edx
    cmp dword [ticks], 0
    jne .counted
    rdtsc
    mov [t_first], eax
    mov [t_first + 4], edx
.counted:
    inc dword [ticks]
    mov eax, [esp + 16]             ; the interrupted EFLAGS
    and eax, 0x8D5
    xor [flag_mix], eax
    rol dword [flag_mix], 5
    mov al, 0x20                    ; non-specific EOI
    out 0x20, al
    pop edx
    pop eax
    iret

unexpected:
    FAIL 4

    PM_CODE
    PM_DATA
    PM_BSS
t_start: resd 1
t_first: resd 2
ticks:  resd 1
flag_mix: resd 1
bss_end:
