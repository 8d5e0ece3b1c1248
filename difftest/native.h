// Runs a case as real IA-32 code on the host CPU: a persistent child under seccomp strict mode
// switches to the 32-bit user code segment (and for 16-bit cases on to an LDT 16-bit code
// segment; 64-bit cases stay in the host's own 64-bit code segment) and executes the bytes at
// the fixed addresses.
#pragma once

#include <sys/types.h>

#include "difftest/case.h"

namespace jitpc::difftest {

class NativeRunner {
public:
    // Maps the shared region at its fixed address and installs the LDT descriptors (throws
    // std::runtime_error on failure); the child inherits the LDT.
    NativeRunner();
    ~NativeRunner();
    Result run(const std::vector<uint8_t>& code, const State& in, Mode mode);

private:
    void spawn();
    void reap();

    uint8_t* region_;
    pid_t child_ = -1;
    int cmd_ = -1;    // parent -> child: "run the case now in the region"
    int reply_ = -1;  // child -> parent: "done" (EOF when the child died)
};

}  // namespace jitpc::difftest
