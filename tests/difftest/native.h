// Runs a case as real IA-32 code on the host CPU: a forked child under seccomp strict mode
// switches to the 32-bit user code segment and executes the bytes at the fixed addresses.
#pragma once

#include "tests/difftest/case.h"

namespace jitpc::difftest {

class NativeRunner {
public:
    NativeRunner();  // maps the shared region at its fixed address (exits on failure)
    Result run(const std::vector<uint8_t>& code, const State& in);

private:
    uint8_t* region_;
};

}  // namespace jitpc::difftest
