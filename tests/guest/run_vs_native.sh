#!/bin/sh
# run_vs_native.sh JITPC NATIVE ROUNDS JITPC-ARGS...: the same C workload as a guest (loaded by
# JITPC-ARGS, e.g. -kernel ELF or -fda IMAGE) and as a host program must print the same lines.
jitpc=$1 native=$2 rounds=$3
shift 3
expected=$("$native" "$rounds")
native_status=$?
# 126: the kernel refused the executable's format (a 32-bit reference on a host kernel built
# without IA32 emulation); nothing to compare with, so the test is skipped (meson's code 77).
if [ "$native_status" -eq 126 ] && [ -x "$native" ]; then
    echo "skipped: this host cannot run $native (a 32-bit program needs IA32 emulation in the kernel)"
    exit 77
fi
if [ "$native_status" -ne 0 ]; then echo "native run failed"; exit 1; fi
actual=$("$jitpc" -nographic "$@" -max-insns 2000000000 </dev/null)
status=$?
if [ "$status" -ne 33 ]; then echo "guest exited with status $status"; echo "$actual"; exit 1; fi
if [ "$expected" != "$actual" ]; then
    echo "guest and native disagree"; echo "--- native"; echo "$expected"; echo "--- guest"; echo "$actual"; exit 1
fi
