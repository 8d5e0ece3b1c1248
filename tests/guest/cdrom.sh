#!/bin/sh
# cdrom.sh JITPC BOOT-IMAGE EXPECT -cdrom [STATUS [JITPC-ARGS...]]: puts BOOT-IMAGE on an ISO 9660
# image as its El Torito no-emulation boot image (4 x 512 bytes loaded) and runs that ISO with
# run_guest.sh.
jitpc=$1 boot=$2 expect=$3
shift 3
command -v xorriso >/dev/null || { echo "xorriso is missing (scripts/install-deps)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/root"
cp "$boot" "$dir/root/boot.bin"
xorriso -as mkisofs -quiet -b boot.bin -no-emul-boot -boot-load-size 4 -o "$dir/cd.iso" "$dir/root" ||
    { echo "xorriso failed"; exit 1; }
"$(dirname "$0")/run_guest.sh" "$jitpc" "$dir/cd.iso" "$expect" "$@"
