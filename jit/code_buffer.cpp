#include "jit/code_buffer.h"

#include <sys/mman.h>

#include <stdexcept>

namespace jitpc::jit {

// Shared anonymous memory, mapped a second time by mremap (a zero old size duplicates a shared
// mapping): the views need no file, and the host's perf takes them for anonymous memory
// ("/dev/zero"), where it names code from /tmp/perf-PID.map (-perfmap). A memfd-backed pair
// would show as a deleted file, which perf does not symbolise that way.
CodeBuffer::CodeBuffer(size_t bytes) : size_(bytes) {
    void* rw = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (rw == MAP_FAILED) throw std::runtime_error("cannot map memory for the translation cache");
    void* rx = mremap(rw, 0, bytes, MREMAP_MAYMOVE);
    if (rx == MAP_FAILED || mprotect(rx, bytes, PROT_READ | PROT_EXEC) != 0) {
        if (rx != MAP_FAILED) munmap(rx, bytes);
        munmap(rw, bytes);
        throw std::runtime_error("cannot map memory for the translation cache");
    }
    rx_ = static_cast<uint8_t*>(rx);
    rw_ = static_cast<uint8_t*>(rw);
}

CodeBuffer::~CodeBuffer() {
    munmap(rx_, size_);
    munmap(rw_, size_);
}

uint8_t* CodeBuffer::alloc(size_t bytes) {
    const size_t aligned = (bytes + 15) & ~size_t(15);
    if (used_ + aligned > size_) return nullptr;
    uint8_t* p = rx_ + used_;
    used_ += aligned;
    return p;
}

}  // namespace jitpc::jit
