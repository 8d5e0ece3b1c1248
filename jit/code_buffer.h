// The translation cache's memory: one region mapped twice, executable through one view and
// writable through the other, so no page is ever writable and executable at once. Code is
// bump-allocated; when the region is full the whole cache is flushed and refilled.
#pragma once

#include <cstddef>
#include <cstdint>

namespace jitpc::jit {

class CodeBuffer {
public:
    explicit CodeBuffer(size_t bytes);
    ~CodeBuffer();
    CodeBuffer(const CodeBuffer&) = delete;
    CodeBuffer& operator=(const CodeBuffer&) = delete;

    // Room for `bytes` at the executable address returned, or nullptr when full.
    uint8_t* alloc(size_t bytes);
    void reset() { used_ = reserved_; }
    // Keeps what is allocated so far (the engine's fixed stubs) across reset().
    void reserve_prefix() { reserved_ = used_; }

    // The executable view's start.
    const uint8_t* start() const { return rx_; }

    // The writable view of an executable address, and its distance from it (generated code
    // that patches itself adds it).
    uint8_t* writable(const uint8_t* rx) const { return rw_ + (rx - rx_); }
    int64_t writable_offset() const { return rw_ - rx_; }

private:
    uint8_t* rx_ = nullptr;
    uint8_t* rw_ = nullptr;
    size_t size_ = 0, used_ = 0, reserved_ = 0;
};

}  // namespace jitpc::jit
