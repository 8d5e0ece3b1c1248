#!/bin/sh
# cdrom.sh RUNNER JITPC BOOT-IMAGE EXPECT -cdrom [STATUS [JITPC-ARGS...]]: puts BOOT-IMAGE on an
# ISO 9660 image as its El Torito boot image and runs that ISO with RUNNER (run_guest.sh or
# engines.sh). EL_TORITO says how it boots: no-emulation (the default; 4 x 512 bytes loaded),
# floppy (BOOT-IMAGE is a 1.44 MB diskette) or hard-disk (a partitioned disk image).
runner=$1 jitpc=$2 boot=$3 expect=$4
shift 4
command -v xorriso >/dev/null || { echo "xorriso is missing (scripts/install-deps)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/root"
cp "$boot" "$dir/root/boot.bin"
case ${EL_TORITO:-no-emulation} in
    no-emulation) emulation="-no-emul-boot -boot-load-size 4" ;;
    floppy) emulation= ;;
    hard-disk) emulation=-hard-disk-boot ;;
    *) echo "unknown EL_TORITO=$EL_TORITO"; exit 1 ;;
esac
# shellcheck disable=SC2086 # $emulation holds separate options
xorriso -as mkisofs -quiet -b boot.bin $emulation -o "$dir/cd.iso" "$dir/root" ||
    { echo "xorriso failed"; exit 1; }
"$runner" "$jitpc" "$dir/cd.iso" "$expect" "$@"
