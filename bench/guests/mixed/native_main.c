/* The same workload as a host process, for the guest-vs-native comparison. */
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

static void out(char c) { putchar(c); }

int main(int argc, char** argv) {
    workload(argc > 1 ? (unsigned)atoi(argv[1]) : 4, out);
    return 0;
}
