#!/bin/sh
# grub_boot.sh JITPC cdrom|hd [engines|once [FIRMWARE]]: builds a GRUB 2 rescue ISO (grub-mkrescue, i386-pc) whose
# grub.cfg writes the PASS value to port 0xF4, and boots it as an El Torito CD (-cdrom) or, the
# ISO being hybrid, as a hard disk (-hda). Passing needs GRUB's own disk code on our INT 13h:
# boot image, core image and modules read through AH=42h, AX=4B01h telling CD from disk, and
# the ISO 9660 file system read to find grub.cfg. With `engines` the ISO runs through
# engines.sh: both engines must pass and agree. FIRMWARE boots it as -bios instead of the
# built-in BIOS.
jitpc=$1 mode=$2 engines=${3:-} firmware=${4:-}
command -v grub-mkrescue >/dev/null && [ -d /usr/lib/grub/i386-pc ] ||
    { echo "grub-mkrescue or grub-pc-bin is missing"; exit 77; }
command -v xorriso >/dev/null || { echo "xorriso is missing (scripts/install-deps)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/root/boot/grub"
printf 'insmod iorw\noutb 0xf4 0x10\n' > "$dir/root/boot/grub/grub.cfg"
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$dir/grub.iso" "$dir/root" > "$dir/log" 2>&1 ||
    { cat "$dir/log"; exit 1; }
case $mode in
    cdrom) load=-cdrom; set -- -boot d ;;
    hd) load=-hda; set -- -snapshot ;;
    *) echo "unknown mode $mode"; exit 1 ;;
esac
[ -n "$firmware" ] && set -- "$@" -bios "$firmware"
if [ "$engines" = engines ]; then
    "$(dirname "$0")/engines.sh" "$jitpc" "$dir/grub.iso" none "$load" 33 "$@"
    exit
fi
"$jitpc" "$load" "$dir/grub.iso" "$@" -debugcon none -max-insns 3000000000
status=$?
[ "$status" -eq 33 ] || { echo "FAIL: GRUB from $mode ended with status $status, not 33"; exit 1; }
