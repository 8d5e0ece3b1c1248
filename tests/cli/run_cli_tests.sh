#!/bin/sh
# run_cli_tests.sh JITPC: the front end's contract. Bad input of every kind ends with exactly one
# "jitpc: " line on stderr and status 1 (never a crash); a guest ends the run with the status
# its way of stopping promises (a run that hangs is killed after 30 s: status 124). Ends with
# "N passed, M failed".
jitpc=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/tally.sh"

# Writes `file` made of the hex bytes that follow.
bytes() {
    bytes_file=$1; shift
    : > "$bytes_file"
    for b in "$@"; do printf "\\$(printf %03o "0x$b")" >> "$bytes_file"; done
}
# Overwrites bytes of `file` at `offset` with the hex bytes that follow.
poke() {
    poke_file=$1 poke_at=$2; shift 2
    bytes "$dir/poke" "$@"
    dd if="$dir/poke" of="$poke_file" bs=1 seek=$((poke_at)) conv=notrunc 2> /dev/null
}
# A bzImage of `size` bytes (zeros but for the header): boot protocol 2.15, loaded high,
# setup_sects and the 32-bit syssize as given.
bzimage() {
    head -c "$2" /dev/zero > "$1"
    poke "$1" 0x1F1 "$3"
    poke "$1" 0x1F4 $(printf '%08x' "$4" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4 \3 \2 \1/')
    poke "$1" 0x1FE 55 aa
    poke "$1" 0x202 48 64 72 53 0f 02
    poke "$1" 0x211 01
}
# A 64 KiB firmware image whose reset vector (offset 0xFFF0) holds the given code bytes.
rom() {
    rom_file=$1; shift
    head -c 65520 /dev/zero > "$rom_file"
    bytes "$dir/vector" "$@"
    cat "$dir/vector" >> "$rom_file"
    head -c $((16 - $(wc -c < "$dir/vector"))) /dev/zero >> "$rom_file"
}

# expect_error NAME ARGS...: status 1 and one stderr line starting with "jitpc: ".
expect_error() {
    name=$1; shift
    timeout 30 "$jitpc" "$@" > "$dir/out" 2> "$dir/err"
    status=$?
    lines=$(wc -l < "$dir/err")
    if [ "$status" -ne 1 ]; then bad "$name: status $status, want 1"; cat "$dir/err"
    elif [ "$lines" -ne 1 ]; then bad "$name: $lines lines on stderr, want 1"; cat "$dir/err"
    elif ! grep -q '^jitpc: ' "$dir/err"; then bad "$name: stderr does not start with 'jitpc: '"; cat "$dir/err"
    else ok; fi
}

# expect_status NAME STATUS ARGS...: the run ends with STATUS.
expect_status() {
    name=$1 want=$2; shift 2
    timeout 30 "$jitpc" -debugcon none "$@" > "$dir/out" 2> "$dir/err"
    status=$?
    if [ "$status" -ne "$want" ]; then bad "$name: status $status, want $want"; cat "$dir/err"
    else ok; fi
}

# ---- bad input ---------------------------------------------------------------------------
expect_error "missing kernel" -kernel "$dir/no-such-kernel"
head -c 4096 /dev/zero > "$dir/no_header"
expect_error "kernel without a Multiboot header" -kernel "$dir/no_header"
# An ELF header (i386, 32-bit LSB) announcing one program header at offset 64 that the file
# does not contain, with a valid Multiboot header (no a.out kludge) at offset 52.
bytes "$dir/truncated.elf" \
    7f 45 4c 46 01 01 01 00 00 00 00 00 00 00 00 00 \
    02 00 03 00 01 00 00 00 00 00 10 00 40 00 00 00 \
    00 00 00 00 00 00 00 00 34 00 20 00 01 00 00 00 \
    00 00 00 00 02 b0 ad 1b 00 00 00 00 fe 4f 52 e4 \
    01 00 00 00
expect_error "truncated ELF" -kernel "$dir/truncated.elf"
# A Multiboot ELF (no a.out kludge) with two PT_LOAD segments of 256 bytes whose physical
# addresses overlap (1 MiB and 1 MiB + 80h): a real overlap, refused.
head -c 512 /dev/zero > "$dir/overlap.elf"
poke "$dir/overlap.elf" 0 7f 45 4c 46 01 01 01 00
poke "$dir/overlap.elf" 16 02 00 03 00 01 00 00 00 00 00 10 00 34 00 00 00
poke "$dir/overlap.elf" 40 34 00 20 00 02 00
for ph in 52:00 84:80; do
    poke "$dir/overlap.elf" "${ph%:*}" 01 00 00 00 00 00 00 00 00 00 10 00 "${ph#*:}" 00 10 00 \
        00 01 00 00 00 01 00 00 05 00 00 00
done
poke "$dir/overlap.elf" 116 02 b0 ad 1b 00 00 00 00 fe 4f 52 e4
expect_error "Multiboot ELF segments that overlap" -kernel "$dir/overlap.elf"
if grep -q 'overlap' "$dir/err"; then ok; else bad "overlapping segments: message does not say so"; cat "$dir/err"; fi
# Magic and checksum of an a.out-kludge header at 8180: found within the first 8 KiB, but its
# 32 bytes are not, so by the specification's search rule there is no header.
head -c 8448 /dev/zero > "$dir/late_header"
poke "$dir/late_header" 8180 02 b0 ad 1b 00 00 01 00 fe 4f 51 e4
expect_error "Multiboot header past the first 8 KiB" -kernel "$dir/late_header"
head -c 1000 /dev/zero > "$dir/small.rom"
expect_error "-bios image of the wrong size" -bios "$dir/small.rom"
# A bzImage cut short (as the first half of Debian's kernel): syssize announces more than the
# file holds. Without the check it reboots forever.
bzimage "$dir/cut.bz" 8192 03 1024                # 2048 bytes of setup, 6144 of the announced 16384
expect_error "truncated bzImage" -kernel "$dir/cut.bz" -nographic
if grep -q 'truncated' "$dir/err"; then ok; else bad "truncated bzImage: message does not say so"; cat "$dir/err"; fi
bzimage "$dir/big_setup.bz" 200000 ff 1024      # 128 KiB of setup code: over its heap and stack
expect_error "bzImage setup_sects beyond the setup segment" -kernel "$dir/big_setup.bz" -nographic
expect_error "unknown option" -frobnicate
expect_error "-m below the minimum" -m 1M -bios "$dir/small.rom"
expect_error "-m above the maximum" -m 8G -bios "$dir/small.rom"
expect_error "-m absurdly large" -m 99999999999999999G -bios "$dir/small.rom"
expect_error "option without its argument" -kernel
expect_status "no bootable device" 2 -nographic
expect_error "-serial with an unknown backend" -serial tcp:1234 -bios "$dir/small.rom"
expect_error "-serial file: without a path" -serial file: -bios "$dir/small.rom"
expect_error "-serial given three times" -serial none -serial none -serial none -bios "$dir/small.rom"
expect_error "-serial stdio twice" -serial stdio -serial stdio -bios "$dir/small.rom"
expect_error "-serial file in a missing directory" -serial "file:$dir/no/such/dir/out" -bios "$dir/small.rom"
expect_error "-rtc without base=" -rtc 2030-01-01 -bios "$dir/small.rom"
expect_error "-rtc with a bad date" -rtc base=2030-02-30 -bios "$dir/small.rom"
expect_error "-rtc with a bad time" -rtc base=2030-02-01T24:00:00 -bios "$dir/small.rom"
expect_error "-rtc with trailing text" -rtc base=2030-02-01x -bios "$dir/small.rom"
expect_error "-rtc before 1970" -rtc base=1969-12-31 -bios "$dir/small.rom"
expect_error "-icount rrsnapshot" -icount shift=auto,rr=replay,rrfile=x,rrsnapshot=init -bios "$dir/small.rom"
if grep -q 'rrsnapshot is not supported' "$dir/err"; then ok; else bad "-icount rrsnapshot: message does not say so"; cat "$dir/err"; fi
expect_error "-icount rr without rrfile" -icount shift=0,rr=record -bios "$dir/small.rom"
expect_error "-icount with a bad shift" -icount shift=fast -bios "$dir/small.rom"
expect_error "-icount with an unknown key" -icount shift=0,sleep=off -bios "$dir/small.rom"
expect_error "-record and -replay" -record "$dir/a.log" -replay "$dir/a.log" -bios "$dir/small.rom"
expect_error "-replay of a missing log" -replay "$dir/no-such.log" -bios "$dir/small.rom"
expect_error "-monitor tcp without server" -monitor tcp:127.0.0.1:4444 -bios "$dir/small.rom"
expect_error "-monitor tcp without a port" -monitor tcp:127.0.0.1,server -bios "$dir/small.rom"
expect_error "-monitor unix without server" -monitor "unix:$dir/m.sock" -bios "$dir/small.rom"
expect_error "-monitor unix with an unknown setting" -monitor "unix:$dir/m.sock,server,telnet" -bios "$dir/small.rom"
expect_error "-monitor unix without a path" -monitor unix:,server -bios "$dir/small.rom"
expect_error "-monitor stdio beside COM1 on stdio" -monitor stdio -nographic -bios "$dir/small.rom"
expect_error "-S without a monitor" -S -bios "$dir/small.rom"
: > "$dir/not-a-socket"
expect_error "-monitor unix over a regular file" -monitor "unix:$dir/not-a-socket,server,nowait" -bios "$dir/small.rom"
expect_error "-savevm-at with a bad count" -savevm-at 12x "$dir/s.snap" -bios "$dir/small.rom"
expect_error "-savevm-at without its file" -savevm-at 12
expect_error "-loadvm with -record" -loadvm "$dir/s.snap" -record "$dir/a.log" -bios "$dir/small.rom"
expect_error "-loadvm of a missing file" -loadvm "$dir/no-such.snap" -bios "$dir/small.rom"
expect_error "-record in a missing directory" -record "$dir/no/such/dir/a.log" -bios "$dir/small.rom"

# ---- how guests end a run ----------------------------------------------------------------
rom "$dir/cli_hlt.rom" fa f4                         # cli; hlt
expect_status "HLT with IF=0" 2 -bios "$dir/cli_hlt.rom"
if grep -q 'f000:0000fff2' "$dir/err"; then ok; else bad "HLT message names no CS:EIP"; cat "$dir/err"; fi
rom "$dir/sti_hlt.rom" fb f4                         # sti; hlt: every IRQ masked from reset
expect_status "HLT with IF=1 and every IRQ masked" 2 -bios "$dir/sti_hlt.rom"
if grep -q 'every IRQ masked' "$dir/err"; then ok; else bad "HLT message names no cause"; cat "$dir/err"; fi
# PIT channel 0 in mode 0 with count 0x3030; only IRQ 1 (no source) unmasked, so the CPU can
# wake in principle: it jumps to the one-shot's edge (PIT edge 1 + 0x3030 = tick 10,339,583),
# which wakes nothing, and then nothing is left to wait for.
rom "$dir/oneshot.rom" b0 30 e6 43 e6 40 e6 40 b0 fd e6 21 fb f4  # PIT mode 0; IMR=0xFD; sti; hlt
expect_status "HLT skips to the PIT event" 2 -bios "$dir/oneshot.rom" -stats
if grep -q 'virtual time: 10339583 ns (10339575 ns halted, 0 ns in PAUSE)' "$dir/err"; then ok; else bad "HLT did not skip to the PIT edge"; cat "$dir/err"; fi
# -d: a guest's bad port access is logged only when asked, to the -D file.
# -device isa-debug-exit as in QEMU: the exit device on more ports (default iobase 0x501, iosize 2).
rom "$dir/exit501.rom" b0 2a ba 01 05 ee fa f4          # mov al, 0x2A; mov dx, 0x501; out dx, al; cli; hlt
expect_status "isa-debug-exit at QEMU's default port" 85 -bios "$dir/exit501.rom" -device isa-debug-exit
expect_status "no isa-debug-exit at 0x501 without -device" 2 -bios "$dir/exit501.rom"
rom "$dir/exit502.rom" b0 2a ba 02 05 ee fa f4          # the same through 0x502
expect_status "isa-debug-exit's second port" 85 -bios "$dir/exit502.rom" -device isa-debug-exit
rom "$dir/exitf7.rom" b0 03 ba f7 00 ee fa f4           # mov al, 3; mov dx, 0xF7; out dx, al
expect_status "isa-debug-exit,iobase=0xf4,iosize=4" 7 -bios "$dir/exitf7.rom" -device isa-debug-exit,iobase=0xf4,iosize=0x4
expect_error "-device other than isa-debug-exit" -device e1000 -bios "$dir/exitf7.rom"
expect_error "-device isa-debug-exit with an unknown key" -device isa-debug-exit,irq=3 -bios "$dir/exitf7.rom"
expect_error "-device isa-debug-exit on the RTC's ports" -device isa-debug-exit,iobase=0x70 -bios "$dir/exitf7.rom"
expect_error "-device isa-debug-exit past the I/O space" -device isa-debug-exit,iobase=0xffff,iosize=2 -bios "$dir/exitf7.rom"

rom "$dir/bad_port.rom" fa e4 99 f4                  # cli; in al, 0x99 (unclaimed); hlt
expect_status "unclaimed port without -d" 2 -bios "$dir/bad_port.rom"
if [ "$(wc -l < "$dir/err")" -eq 1 ]; then ok; else bad "an unclaimed port is logged without -d"; cat "$dir/err"; fi
expect_status "unclaimed port with -d guest_errors -D" 2 -bios "$dir/bad_port.rom" -d int,guest_errors -D "$dir/log"
if grep -q 'read of unclaimed I/O port 0x0099' "$dir/log" && [ "$(wc -l < "$dir/err")" -eq 1 ]; then ok
else bad "-d guest_errors -D: the port is not in the log file alone"; cat "$dir/err" "$dir/log"; fi
expect_error "-d with an unknown item" -d int,bogus -bios "$dir/bad_port.rom"
if "$jitpc" -d help | grep -q '^guest_errors'; then ok; else bad "-d help does not list guest_errors"; fi
if "$jitpc" -d help | grep -q "^jit_fallback"; then ok; else bad "-d help does not list jit_fallback"; fi
rom "$dir/spin.rom" eb fe                            # jmp $
expect_status "-max-insns reached" 3 -bios "$dir/spin.rom" -max-insns 1000
rom "$dir/exit5.rom" b0 05 e6 f4 f4                  # mov al, 5; out 0xF4, al; hlt
head -c 1000 /dev/zero > "$dir/odd.img"
expect_error "disk image not a multiple of 512 bytes" -hda "$dir/odd.img" -bios "$dir/exit5.rom"
expect_error "missing disk image" -hda "$dir/no-such-disk.img" -bios "$dir/exit5.rom"
expect_status "debug exit port" 11 -bios "$dir/exit5.rom"
{ head -c 196608 /dev/zero; cat "$dir/exit5.rom"; } > "$dir/exit5_256k.rom"
expect_status "256 KiB -bios image" 11 -bios "$dir/exit5_256k.rom"
expect_error "-global with an unknown property" -global isa-fdc.driveA=x -bios "$dir/exit5.rom"
expect_error "-global isa-debugcon.iobase on COM1's port" -global isa-debugcon.iobase=0x3f8 -bios "$dir/exit5.rom"
expect_error "-global isa-debugcon.iobase out of range" -global isa-debugcon.iobase=0x10000 -bios "$dir/exit5.rom"
# mov dx, 0x402; mov al, 'J'; out dx, al; mov al, 5; out 0xF4, al; hlt
rom "$dir/port402.rom" ba 02 04 b0 4a ee b0 05 e6 f4 f4
timeout 30 "$jitpc" -debugcon "file:$dir/402.log" -global isa-debugcon.iobase=0x402 -bios "$dir/port402.rom" > /dev/null 2>&1
if [ "$?" -eq 11 ] && [ "$(cat "$dir/402.log")" = J ]; then ok; else bad "-global isa-debugcon.iobase=0x402: the byte did not reach -debugcon's file"; fi
expect_error "missing -cdrom image" -cdrom "$dir/no-such.iso" -bios "$dir/exit5.rom"
head -c 1024000 /dev/zero > "$dir/odd.flp"
expect_error "diskette image of no diskette size" -fda "$dir/odd.flp"
# Negative and overflowing numbers are refused, not read as "no limit" or wrapped around.
expect_error "-max-insns negative" -max-insns -5 -bios "$dir/spin.rom"
expect_error "-max-insns overflowing" -max-insns 99999999999999999999 -bios "$dir/spin.rom"
expect_error "-m negative" -m -5M -bios "$dir/exit5.rom"
if grep -q 'not a size' "$dir/err"; then ok; else bad "-m -5M: message does not say it is no size"; cat "$dir/err"; fi
expect_error "-dump-mem at a negative address" -dump-mem -4096,4096 -bios "$dir/exit5.rom"
# Diskette sizes are checked whatever boots: with -bios and with a Multiboot -kernel too.
expect_error "diskette image of no diskette size with -bios" -fda "$dir/odd.flp" -bios "$dir/exit5.rom"
expect_error "-boot with a key given twice" -boot order=c,order=d -bios "$dir/exit5.rom"
expect_error "-drive with an unknown key" -drive "file=$dir/odd.img,cache=none" -bios "$dir/exit5.rom"
expect_error "-drive with a non-raw format" -drive "file=$dir/odd.img,format=qcow2" -bios "$dir/exit5.rom"
expect_error "-drive without file=" -drive format=raw -bios "$dir/exit5.rom"
expect_error "-drive floppy CD-ROM" -drive "file=$dir/odd.flp,if=floppy,media=cdrom" -bios "$dir/exit5.rom"
head -c 1048576 /dev/zero > "$dir/blank.img"
expect_error "-drive with a key given twice" -drive "file=$dir/blank.img,index=1,index=0" -bios "$dir/exit5.rom"
expect_error "two drives on one index" -drive "file=$dir/blank.img,index=1" -hdb "$dir/blank.img" -bios "$dir/exit5.rom"
expect_error "-boot with an unknown device" -boot n -bios "$dir/exit5.rom"
expect_error "-boot order= with a device twice" -boot order=cdc -bios "$dir/exit5.rom"
expect_error "-boot with an unknown key" -boot order=c,splash=x -bios "$dir/exit5.rom"
# Image locks (as QEMU's): while one jitpc writes an image, a second writer and a -snapshot
# reader are refused; while one reads it with -snapshot, other readers share it and a writer is
# refused. `hold` starts a spinning jitpc on the image and waits until /proc/locks shows its lock.
head -c 1048576 /dev/zero > "$dir/locked.img"
inode=$(stat -c %i "$dir/locked.img")
hold() {
    timeout 60 "$jitpc" -bios "$dir/spin.rom" -debugcon none -hda "$dir/locked.img" "$@" & holder=$!
    for _ in $(seq 100); do grep -q ":$inode " /proc/locks && return; sleep 0.1; done
    bad "the image lock never showed in /proc/locks"
}
hold
expect_error "a second writer of an image" -hda "$dir/locked.img" -bios "$dir/exit5.rom"
if grep -q 'in use by another process' "$dir/err"; then ok; else bad "second writer: message does not say why"; cat "$dir/err"; fi
expect_error "-snapshot of an image being written" -hda "$dir/locked.img" -snapshot -bios "$dir/exit5.rom"
{ kill "$holder"; wait "$holder"; } 2> /dev/null
hold -snapshot
expect_status "two -snapshot readers share an image" 11 -hda "$dir/locked.img" -snapshot -bios "$dir/exit5.rom"
expect_status "a CD-ROM shares an image with a -snapshot reader" 11 -cdrom "$dir/locked.img" -bios "$dir/exit5.rom"
expect_error "a writer of an image read elsewhere" -hda "$dir/locked.img" -bios "$dir/exit5.rom"
{ kill "$holder"; wait "$holder"; } 2> /dev/null
expect_status "the image is free again" 11 -hda "$dir/locked.img" -bios "$dir/exit5.rom"
# Diskettes boot when their sector 0 ends with 55h AAh, from the boot order or after it.
bytes "$dir/sector0" b0 10 e6 f4 f4                 # mov al, 0x10; out 0xF4, al; hlt
head -c 505 /dev/zero >> "$dir/sector0"
bytes "$dir/signature" 55 aa
cat "$dir/sector0" "$dir/signature" > "$dir/boot.flp"
head -c $((1474560 - 512)) /dev/zero >> "$dir/boot.flp"
expect_status "diskette boot after the -boot order" 33 -fda "$dir/boot.flp" -boot order=dc,menu=off
expect_status "-drive if=floppy boots" 33 -drive "file=$dir/boot.flp,format=raw,if=floppy,index=0,snapshot=on"
head -c 1474560 /dev/zero > "$dir/blank.flp"
expect_status "diskette without a boot signature" 2 -fda "$dir/blank.flp"
if grep -q 'boot from floppy failed: not a bootable disk' "$dir/err"; then ok; else bad "no reason for the failed boot"; cat "$dir/err"; fi
expect_status "CD-ROM without El Torito" 2 -cdrom "$dir/blank.img"
if grep -q 'boot from CD-ROM failed: no El Torito boot record' "$dir/err"; then ok; else bad "no reason for the failed CD boot"; cat "$dir/err"; fi
# A no-emulation image of 64 sectors at 0600:0000 covers the BIOS's INT 19h frame below 7C00h;
# it checks that its bytes there (5Ah) arrived intact.
if command -v xorriso > /dev/null; then
    mkdir "$dir/iso"
    # mov ax, cs; mov ds, ax; cmp dword [0x1BFA], 0x5A5A5A5A; jne fail; PASS; fail: exit 3
    bytes "$dir/iso/boot.bin" 8c c8 8e d8 66 81 3e fa 1b 5a 5a 5a 5a 75 05 b0 10 e6 f4 f4 b0 03 e6 f4 f4
    head -c $((32768 - 25)) /dev/zero | tr '\0' '\132' >> "$dir/iso/boot.bin"
    xorriso -as mkisofs -quiet -b boot.bin -no-emul-boot -boot-load-size 64 -o "$dir/low.iso" \
        "$dir/iso" 2> /dev/null
    # xorriso has no -boot-load-seg: the initial entry's load segment (catalog + 22h) becomes 0600h.
    catalog=$(od -An -tu4 -j $((17 * 2048 + 0x47)) -N4 "$dir/low.iso" | tr -d ' ')
    printf '\000\006' | dd of="$dir/low.iso" bs=1 seek=$((catalog * 2048 + 0x22)) conv=notrunc 2> /dev/null
    expect_status "CD boot image loaded over the INT 19h frame" 33 -drive "file=$dir/low.iso,media=cdrom"
fi
# mov dx, 0x604; mov ax, 0x3400 (SLP_TYP 5 | SLP_EN); out dx, ax; then exit 5 if still running
rom "$dir/poweroff.rom" ba 04 06 b8 00 34 ef b0 05 e6 f4 f4
expect_status "ACPI S5 through PM1a_CNT powers off" 0 -bios "$dir/poweroff.rom"
rom "$dir/exit10.rom" b0 10 e6 f4 f4
expect_status "debug exit port (pass value)" 33 -bios "$dir/exit10.rom"
# lidt [cs:0] loads a zero IDTR limit from the (zeroed) start of the ROM; INT3 then cannot reach
# its vector, nor can the #GP or #DF that follow: a triple fault.
rom "$dir/triple.rom" 2e 0f 01 1e 00 00 cc
expect_status "triple fault with -no-reboot" 0 -bios "$dir/triple.rom" -no-reboot
expect_status "triple fault resets without -no-reboot" 3 -bios "$dir/triple.rom" -max-insns 10000
expect_status "triple fault with -no-reboot and -dump-on-hang" 0 -bios "$dir/triple.rom" -no-reboot -dump-on-hang "$dir/dump"
if grep -q 'hang dump: triple fault' "$dir/dump"; then ok; else bad "no dump at a triple fault"; cat "$dir/dump"; fi

# -m: 3G is accepted (the most a non-PAE PC can hold below the PCI hole is 3.5G); above
# 3.5G the pentium2's refusal says why, while max (PAE; the default model) takes it, up to 64G.
expect_status "-m 3G" 33 -m 3G -cpu pentium2 -bios "$dir/exit10.rom"
expect_error "-m 4G -cpu pentium2" -m 4G -cpu pentium2 -bios "$dir/exit10.rom"
if grep -q 'PAE' "$dir/err"; then ok; else bad "-m 4G message does not say why"; cat "$dir/err"; fi
expect_status "-m 4G" 33 -m 4G -bios "$dir/exit10.rom"
expect_status "-cpu max -m 64G" 33 -cpu max -m 64G -bios "$dir/exit10.rom"
expect_error "-m 65G -cpu max" -m 65G -cpu max -bios "$dir/exit10.rom"
expect_error "-dump-mem without a length" -dump-mem 0x1000 -bios "$dir/exit10.rom"
expect_error "-dump-mem beyond 4 GiB" -dump-mem 0xFFFFFFFF,2 -bios "$dir/exit10.rom"

# -dump-on-hang: push 0xB800; pop ds; mov word [0], 0x0748 ('H', grey on black); cli; hlt
rom "$dir/vga_hlt.rom" 68 00 b8 1f c7 06 00 00 48 07 fa f4
expect_status "hang dump on HLT with IF=0" 2 -bios "$dir/vga_hlt.rom" -dump-on-hang "$dir/dump" -dump-mem 0xB8000,4
for want in '^  |H$' '^EAX=00000000 EBX=' '^CS=f000 base=ffff0000' '^CR0=60000010 CR2=00000000 CR3=00000000' \
            '^  f000:0000fff0$' '^  000b8000: 48 07 00 00' '^==== end of hang dump ====$'; do
    if grep -q "$want" "$dir/dump"; then ok; else bad "hang dump lacks '$want'"; cat "$dir/dump"; fi
done
expect_status "hang dump at -max-insns" 3 -bios "$dir/spin.rom" -max-insns 1000 -dump-on-hang "$dir/dump"
if grep -q 'hang dump: instruction limit reached' "$dir/dump"; then ok; else bad "no dump at -max-insns"; fi
# Recording the block tail changes no tick: the PIT run above gives the same virtual time.
expect_status "HLT skips to the PIT event with -dump-on-hang" 2 -bios "$dir/oneshot.rom" -stats -dump-on-hang "$dir/dump"
if grep -q 'virtual time: 10339583 ns (10339575 ns halted, 0 ns in PAUSE)' "$dir/err"; then ok; else bad "-dump-on-hang changed the tick count"; cat "$dir/err"; fi
expect_status "no dump at a normal end" 33 -bios "$dir/exit10.rom" -dump-on-hang "$dir/dump2"
if [ ! -s "$dir/dump2" ]; then ok; else bad "dump written at a normal end"; fi
expect_status "-dump-on-exit at a normal end" 33 -bios "$dir/exit10.rom" -dump-on-exit "$dir/dump2"
if grep -q 'hang dump: the guest ended the run' "$dir/dump2"; then ok; else bad "no dump at a normal end with -dump-on-exit"; fi

# -jit-cache: a developer option of the JIT only, 64K to 1G.
expect_error "-jit-cache with -engine interp" -engine interp -jit-cache 1M -bios "$dir/exit10.rom"
expect_error "-jit-cache too small" -engine jit -jit-cache 4K -bios "$dir/exit10.rom"
expect_error "-jit-cache not a size" -engine jit -jit-cache lots -bios "$dir/exit10.rom"
expect_status "-jit-cache 64K" 33 -engine jit -jit-cache 64K -bios "$dir/exit10.rom"
# -jit-threshold: the JIT's tiering, 0 to 10^9 interpreted runs.
expect_error "-jit-threshold with -engine interp" -engine interp -jit-threshold 4 -bios "$dir/exit10.rom"
expect_error "-jit-threshold not a number" -jit-threshold -1 -bios "$dir/exit10.rom"
expect_error "-jit-threshold too large" -jit-threshold 1000000001 -bios "$dir/exit10.rom"
expect_status "-jit-threshold 0" 33 -jit-threshold 0 -bios "$dir/exit10.rom"

# -cpu: a model name (QEMU's spelling); CPUID leaf 0 reports each model's highest basic leaf,
# which the guest hands to the debug-exit port: status (2 << 1) | 1 on pentium2, (0x16 << 1) | 1
# on max.
if "$jitpc" -cpu help > "$dir/out" && [ "$(head -n 1 "$dir/out")" = "Available CPUs:" ] &&
   grep -q '^x86 pentium2  ' "$dir/out" && grep -q '^x86 max  ' "$dir/out"; then ok
else bad "-cpu help does not list pentium2 and max"; cat "$dir/out"; fi
rom "$dir/cpuid0.rom" 66 31 c0 0f a2 e6 f4 f4        # xor eax, eax; cpuid; out 0xF4, al
expect_status "-cpu pentium2: highest basic leaf 2" 5 -cpu pentium2 -bios "$dir/cpuid0.rom"
expect_status "default model: max" 45 -bios "$dir/cpuid0.rom"
expect_status "-cpu max: highest basic leaf 0x16" 45 -cpu max -bios "$dir/cpuid0.rom"
expect_status "-cpu max under the interpreter" 45 -cpu max -engine interp -bios "$dir/cpuid0.rom"
expect_error "-cpu with an unknown model" -cpu pentium9 -bios "$dir/cpuid0.rom"
if grep -q "unknown CPU model 'pentium9'" "$dir/err"; then ok; else bad "-cpu pentium9: message names no model"; cat "$dir/err"; fi
expect_error "-cpu with feature flags" -cpu max,+sse2 -bios "$dir/cpuid0.rom"
expect_error "-cpu empty" -cpu '' -bios "$dir/cpuid0.rom"
expect_error "-cpu without its argument" -cpu

# The display: with stdout a terminal (script(1) gives the run a pseudo-terminal), the VGA text
# page is drawn with ANSI colours; a serial port on stdio is refused there.
if command -v script > /dev/null; then
    script -qec "'$jitpc' -bios '$dir/vga_hlt.rom'" /dev/null < /dev/null > "$dir/screen" 2>&1
    status=$?
    if [ "$status" -eq 2 ]; then ok; else bad "display run: status $status, want 2"; fi
    if grep -q "$(printf '\033')\[0;37;40mH" "$dir/screen"; then ok; else bad "display did not draw the grey 'H'"; fi
    script -qec "'$jitpc' -serial stdio -bios '$dir/vga_hlt.rom'" /dev/null < /dev/null > "$dir/screen" 2>&1
    status=$?
    if [ "$status" -eq 1 ] && grep -q 'nographic' "$dir/screen"; then ok; else bad "-serial stdio with the display: status $status"; cat "$dir/screen"; fi
fi

# Output of COM1 and COM2 to files; the guest's THR writes land in the file of their port.
rom "$dir/com2.rom" ba f8 02 b0 4b ee b0 10 e6 f4 f4  # mov dx, 0x2F8; mov al, 'K'; out dx, al; exit
expect_status "COM2 to a file" 33 -bios "$dir/com2.rom" -serial none -serial "file:$dir/com2.out"
# -icount's shift alone is taken (the clock always counts instructions) and changes nothing.
expect_status "-icount shift=auto" 33 -bios "$dir/com2.rom" -icount shift=auto
if [ "$(cat "$dir/com2.out")" = K ]; then ok; else bad "COM2 file holds '$(cat "$dir/com2.out")'"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
