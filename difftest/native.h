// Runs a case as real IA-32 code on the host CPU: a persistent child under a seccomp filter
// switches to the 32-bit user code segment (and for 16-bit cases on to an LDT 16-bit code
// segment; 64-bit cases stay in the host's own 64-bit code segment) and executes the bytes at
// the fixed addresses.
#pragma once

#include <sys/types.h>

#include <stdexcept>

#include "difftest/case.h"

namespace jitpc::difftest {

// The host runs Linux but cannot execute the cases natively (a sandbox kernel without 32-bit
// code segments or a live LDT): there is no reference to compare with. Callers report it as a
// skip, not as a failure.
struct HostUnsupported : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class NativeRunner {
public:
    // Maps the shared region at its fixed address and installs the LDT descriptors (throws
    // std::runtime_error on failure; HostUnsupported when the host cannot run an empty 32-bit
    // case in the flat and in the LDT segments); the child inherits the LDT.
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
