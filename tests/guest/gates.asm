; Call gates and privilege: 32- and 16-bit call gates from ring 3 to ring 0 copying two
; parameters onto the TSS's ring 0 stack, RETF n back to ring 3 (nulling data segment registers
; ring 3 may not hold), a conforming segment keeping CPL 3, #GP and #NP on gates, LAR, LSL,
; VERR, VERW and ARPL.
%include "lib/multiboot.inc"
%include "lib/pm.inc"

%define SEL_GATE32  0x30
%define SEL_C16_3   0x38
%define SEL_C16_0   0x40
%define SEL_GATE16  0x48
%define SEL_CONF    0x50    ; flat conforming code, DPL 0
%define SEL_GATE_D0 0x58    ; call gate with DPL 0
%define SEL_GATE_NP 0x60    ; call gate not present
%define SEL_RODATA  0x68    ; flat read-only data, DPL 3
%define STACK16     0x7000  ; ring 3 stack of the 16-bit caller, below 64 KiB
%define LAR_UNDEF   0x000F0000  ; LAR's mask is 00FxFF00h: bits 16-19 are not defined

; ZF_IS value, code: ZF equals value.
%macro ZF_IS 2
%if %1
    CHECK z, %2
%else
    CHECK nz, %2
%endif
%endmacro

start:
    PM_INIT
    mov dword [tss0 + 4], stack2_top
    SETCALLGATE SEL_GATE32, SEL_CODE0, gate32_target, 0xEC, 2
    SETDESC SEL_C16_3, seg16, 0xFFFF, 0xFA
    SETDESC SEL_C16_0, seg16, 0xFFFF, 0x9A
    SETCALLGATE SEL_GATE16, SEL_C16_0, gate16_target - seg16, 0xE4, 2
    FLATDESC SEL_CONF, 0x9E
    SETCALLGATE SEL_GATE_D0, SEL_CODE0, gate32_target, 0x8C, 0
    SETCALLGATE SEL_GATE_NP, SEL_CODE0, gate32_target, 0x6C, 0
    FLATDESC SEL_RODATA, 0xF0

    RING3 u_gate32
    EXPECT_FAULT VEC_BACK, 0, 1
    cmp word [g_cs], SEL_CODE0
    CHECK e, 1
    cmp word [g_ss], SEL_DATA0
    CHECK e, 1
    cmp dword [g_esp], stack2_top - 24
    CHECK e, 1
    PUTS `32-bit call gate: ring 0 CS, SS:ESP from the TSS ok\n`
    cmp dword [g_frame], u_gate32_ret
    CHECK e, 2
    cmp word [g_frame + 4], SEL_CODE3
    CHECK e, 2
    cmp dword [g_frame + 8], 0x22222222
    CHECK e, 2
    cmp dword [g_frame + 12], 0x11111111
    CHECK e, 2
    mov eax, [u_esp]
    cmp [g_frame + 16], eax
    CHECK e, 2
    cmp word [g_frame + 20], SEL_DATA3
    CHECK e, 2
    PUTS `32-bit call gate: frame EIP, CS, 2 parameters, ESP, SS ok\n`
    mov eax, [u_esp]
    add eax, 8
    cmp [u_esp_after], eax
    CHECK e, 3
    cmp word [u_cs], SEL_CODE3
    CHECK e, 3
    PUTS `RETF 8 to ring 3: CS and ESP past the parameters ok\n`
    cmp word [u_es], 0
    CHECK e, 4
    cmp word [u_gs], 0
    CHECK e, 4
    cmp word [u_fs], SEL_CONF
    CHECK e, 4
    cmp word [u_ds], SEL_DATA3
    CHECK e, 4
    PUTS `RETF to ring 3: ring 0 data and code selectors nulled, conforming and DPL 3 kept ok\n`

    RING3 u_gate16_entry
    EXPECT_FAULT VEC_BACK, 0, 5
    cmp word [g16_cs], SEL_C16_0
    CHECK e, 5
    cmp dword [g16_esp], stack2_top - 12
    CHECK e, 5
    cmp dword [g16_frame], ((SEL_C16_3 | 3) << 16) | (u16_ret - seg16)
    CHECK e, 5
    cmp dword [g16_frame + 4], 0x11112222
    CHECK e, 5
    cmp dword [g16_frame + 8], (SEL_DATA3 << 16) | (STACK16 - 4)
    CHECK e, 5
    PUTS `16-bit call gate: word frame IP, CS, 2 parameters, SP, SS ok\n`
    cmp dword [u16_esp], STACK16
    CHECK e, 6
    PUTS `RETF 4 from a 16-bit segment back to ring 3 ok\n`

    RING3 u_conforming
    EXPECT_FAULT 13, 0, 7
    cmp word [conf_cs], SEL_CONF | 3
    CHECK e, 7
    PUTS `conforming segment from ring 3: CS.RPL 3, HLT there #GP(0) ok\n`

    RING3 u_gate_dpl0
    EXPECT_FAULT 13, SEL_GATE_D0, 8
    PUTS `call gate with DPL < CPL: #GP(sel) ok\n`
    RING3 u_gate_np
    EXPECT_FAULT 11, SEL_GATE_NP, 9
    PUTS `not-present call gate: #NP(sel) ok\n`

    mov bx, SEL_TSS
    lar eax, bx
    ZF_IS 1, 10
    cmp eax, 0x00008B00
    CHECK e, 10
    mov bx, SEL_CONF
    lar eax, bx
    ZF_IS 1, 10
    and eax, ~LAR_UNDEF
    cmp eax, 0x00C09F00
    CHECK e, 10
    mov bx, SEL_GATE32
    lar eax, bx
    ZF_IS 1, 10
    and eax, ~LAR_UNDEF
    mov edx, gate32_target
    and edx, 0x00F00000
    or edx, 0xEC00
    cmp eax, edx
    CHECK e, 10
    mov eax, 0xDEAD
    xor bx, bx
    lar eax, bx
    ZF_IS 0, 10
    cmp eax, 0xDEAD
    CHECK e, 10
    PUTS `LAR: busy TSS, accessed conforming code, call gate, null ok\n`
    mov bx, SEL_TSS
    lsl eax, bx
    ZF_IS 1, 11
    cmp eax, 103
    CHECK e, 11
    mov bx, SEL_CONF
    lsl eax, bx
    ZF_IS 1, 11
    cmp eax, 0xFFFFFFFF
    CHECK e, 11
    mov bx, SEL_GATE32
    lsl eax, bx
    ZF_IS 0, 11
    PUTS `LSL: TSS, page-granular segment, call gate refused ok\n`
    mov bx, SEL_CODE0
    verr bx
    ZF_IS 1, 12
    verw bx
    ZF_IS 0, 12
    mov bx, SEL_RODATA
    verr bx
    ZF_IS 1, 12
    verw bx
    ZF_IS 0, 12
    mov bx, SEL_DATA0
    verw bx
    ZF_IS 1, 12
    mov bx, SEL_GATE32
    verr bx
    ZF_IS 0, 12
    PUTS `VERR/VERW at ring 0 ok\n`
    RING3 u_lar
    EXPECT_FAULT VEC_BACK, 0, 13
    cmp dword [r3_z], 0x01010000
    CHECK e, 13
    PUTS `LAR/VERR/VERW at ring 3 check DPL against CPL and RPL ok\n`

    mov ax, 0x0008
    mov bx, 0x0003
    arpl ax, bx
    ZF_IS 1, 14
    cmp ax, 0x000B
    CHECK e, 14
    mov bx, 0x0002
    arpl ax, bx
    ZF_IS 0, 14
    cmp ax, 0x000B
    CHECK e, 14
    PUTS `ARPL raises RPL with ZF=1, leaves a higher one with ZF=0 ok\n`
    PASS

u_gate32:
    push 0x11111111
    push 0x22222222
    mov [u_esp], esp
    call SEL_GATE32 | 3:0
u_gate32_ret:
    mov [u_esp_after], esp
    mov [u_es], es
    mov [u_fs], fs
    mov [u_gs], gs
    mov [u_ds], ds
    mov [u_cs], cs
    int VEC_BACK

gate32_target:
    mov [g_esp], esp
    mov [g_ss], ss
    mov [g_cs], cs
    mov esi, esp
    mov edi, g_frame
    mov ecx, 6
    rep movsd
    mov ax, SEL_DATA0
    mov es, ax
    mov ax, SEL_CODE0
    mov gs, ax
    mov ax, SEL_CONF
    mov fs, ax
    retf 8

u_gate16_entry:
    mov esp, STACK16
    jmp SEL_C16_3 | 3:u16 - seg16

u_conforming:
    call SEL_CONF | 3:conf_target
    int VEC_BACK
conf_target:
    mov [conf_cs], cs
    hlt

u_gate_dpl0:
    call SEL_GATE_D0 | 3:0
    int VEC_BACK
u_gate_np:
    call SEL_GATE_NP | 3:0
    int VEC_BACK

; r3_z bytes: ZF of LAR of the DPL 0 TSS, VERR of DPL 0 data, VERR of conforming code,
; VERW of DPL 3 data.
u_lar:
    mov bx, SEL_TSS
    lar eax, bx
    setz [r3_z]
    mov bx, SEL_DATA0 | 3
    verr bx
    setz [r3_z + 1]
    mov bx, SEL_CONF | 3
    verr bx
    setz [r3_z + 2]
    mov bx, SEL_DATA3
    verw bx
    setz [r3_z + 3]
    int VEC_BACK

bits 16
seg16:
u16:
    push word 0x1111
    push word 0x2222
    call SEL_GATE16 | 3:0
u16_ret:
    mov ebx, u16_esp
    mov [ebx], esp
    int VEC_BACK
gate16_target:
    mov ebx, g16_esp
    mov [ebx], esp
    mov ebx, g16_cs
    mov [ebx], cs
    mov ebx, g16_frame
    mov eax, [esp]
    mov [ebx], eax
    mov eax, [esp + 4]
    mov [ebx + 4], eax
    mov eax, [esp + 8]
    mov [ebx + 8], eax
    retf 4
bits 32

    PM_CODE
    PM_DATA
    PM_BSS
g_esp: resd 1
g_ss: resd 1
g_cs: resd 1
g_frame: resd 6
u_esp: resd 1
u_esp_after: resd 1
u_es: resd 1
u_fs: resd 1
u_gs: resd 1
u_ds: resd 1
u_cs: resd 1
g16_esp: resd 1
g16_cs: resd 1
g16_frame: resd 3
u16_esp: resd 1
conf_cs: resd 1
r3_z: resd 1
alignb 16
    resb 4096
stack2_top:
bss_end:
