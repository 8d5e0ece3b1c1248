#!/bin/sh
# run_vs_native.sh JITPC GUEST_ELF NATIVE ROUNDS: the same C workload as a guest and as a host
# program must print the same lines.
jitpc=$1 guest=$2 native=$3 rounds=$4
expected=$("$native" "$rounds") || { echo "native run failed"; exit 1; }
actual=$("$jitpc" -kernel "$guest" -max-insns 2000000000)
status=$?
if [ "$status" -ne 33 ]; then echo "guest exited with status $status"; echo "$actual"; exit 1; fi
if [ "$expected" != "$actual" ]; then
    echo "guest and native disagree"; echo "--- native"; echo "$expected"; echo "--- guest"; echo "$actual"; exit 1
fi
