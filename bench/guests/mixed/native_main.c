/* The same workload as a host process, for the guest-vs-native comparison. */
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

static void out(char c) { putchar(c); }

#ifndef ROUNDS
#define ROUNDS 4
#endif

/* Runs the rounds given as the argument, else ROUNDS (the guest build's). */
int main(int argc, char** argv) {
    workload(argc > 1 ? (unsigned)atoi(argv[1]) : ROUNDS, out);
    return 0;
}
