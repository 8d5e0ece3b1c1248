#!/bin/sh
# run_vs_native.sh JITPC NATIVE ROUNDS JITPC-ARGS...: the same C workload as a guest (loaded by
# JITPC-ARGS, e.g. -kernel ELF or -fda IMAGE) and as a host program must print the same lines.
jitpc=$1 native=$2 rounds=$3
shift 3
expected=$("$native" "$rounds") || { echo "native run failed"; exit 1; }
actual=$("$jitpc" -nographic "$@" -max-insns 2000000000 </dev/null)
status=$?
if [ "$status" -ne 33 ]; then echo "guest exited with status $status"; echo "$actual"; exit 1; fi
if [ "$expected" != "$actual" ]; then
    echo "guest and native disagree"; echo "--- native"; echo "$expected"; echo "--- guest"; echo "$actual"; exit 1
fi
