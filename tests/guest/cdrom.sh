#!/bin/sh
# cdrom.sh RUNNER JITPC BOOT-IMAGE EXPECT -cdrom [STATUS [JITPC-ARGS...]]: puts BOOT-IMAGE on an
# ISO 9660 image as its El Torito no-emulation boot image (4 x 512 bytes loaded) and runs that
# ISO with RUNNER (run_guest.sh or engines.sh).
runner=$1 jitpc=$2 boot=$3 expect=$4
shift 4
command -v xorriso >/dev/null || { echo "xorriso is missing (scripts/install-deps)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/root"
cp "$boot" "$dir/root/boot.bin"
xorriso -as mkisofs -quiet -b boot.bin -no-emul-boot -boot-load-size 4 -o "$dir/cd.iso" "$dir/root" ||
    { echo "xorriso failed"; exit 1; }
"$runner" "$jitpc" "$dir/cd.iso" "$expect" "$@"
