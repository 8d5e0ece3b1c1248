/* The mixed benchmark workload, shared by the guest build (freestanding, output through port
 * 0xE9) and the native build (output through stdout): sorting, CRC32, a switch-based bytecode
 * interpreter and calls through function pointers. */
#ifndef JITPC_BENCH_WORKLOAD_H
#define JITPC_BENCH_WORKLOAD_H

/* Runs `rounds` rounds and prints one checksum line per part through put_char. */
void workload(unsigned rounds, void (*put_char)(char));

#endif
