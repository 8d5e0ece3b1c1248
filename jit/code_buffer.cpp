#include "jit/code_buffer.h"

#include <asmjit/core.h>

#include <stdexcept>

namespace jitpc::jit {

CodeBuffer::CodeBuffer(size_t bytes) : size_(bytes) {
    asmjit::VirtMem::DualMapping dm{};
    if (asmjit::VirtMem::allocDualMapping(&dm, bytes, asmjit::VirtMem::MemoryFlags::kAccessRWX) !=
        asmjit::kErrorOk)
        throw std::runtime_error("cannot map memory for the translation cache");
    rx_ = static_cast<uint8_t*>(dm.rx);
    rw_ = static_cast<uint8_t*>(dm.rw);
}

CodeBuffer::~CodeBuffer() {
    asmjit::VirtMem::DualMapping dm{rx_, rw_};
    asmjit::VirtMem::releaseDualMapping(&dm, size_);
}

uint8_t* CodeBuffer::alloc(size_t bytes) {
    const size_t aligned = (bytes + 15) & ~size_t(15);
    if (used_ + aligned > size_) return nullptr;
    uint8_t* p = rx_ + used_;
    used_ += aligned;
    return p;
}

}  // namespace jitpc::jit
