#!/bin/sh
# memtest.sh JITPC iso|floppy|kernel: boots Debian's memtest86+ (package memtest86+) under both
# engines (engines.sh) the way QEMU users boot it: its ISO (an El Torito 1.44 MB diskette
# emulation image) as -cdrom, /boot/memtest86+ia32.bin written to a 1.44 MB diskette as -fda,
# or the same file as a -kernel (16-bit Linux boot protocol). memtest86+ shows its state on the
# VGA text page only: after 4 G ticks (its start-up waits about 3 s of guest time) the screen
# must show it testing 16 MiB with no errors (memtest.screen).
jitpc=$1 mode=$2
here=$(dirname "$0")
iso=/usr/lib/memtest86+/memtest86+ia32.iso bin=/boot/memtest86+ia32.bin
for f in "$iso" "$bin"; do
    [ -f "$f" ] || { echo "FAIL: $f is missing (package memtest86+, scripts/install-deps)"; exit 1; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
case $mode in
    iso) set -- "$iso" -cdrom ;;
    floppy) cp "$bin" "$dir/floppy.img" && truncate -s 1474560 "$dir/floppy.img"
            set -- "$dir/floppy.img" -fda ;;
    kernel) set -- "$bin" -kernel ;;
    *) echo "unknown mode $mode"; exit 1 ;;
esac
SCREEN="$here/memtest.screen" "$here/engines.sh" "$jitpc" "$1" none "$2" 3 -m 16M -max-insns 4000000000
