// The guest profile file (-profile, read by `jitpc prof`): one sample every N retired
// instructions, each the linear address of the next instruction with the CPL and CPU mode it
// runs in. Version 1, little-endian:
//
//   0   8  magic "JITPCPRF"
//   8   4  version (1)
//   12  4  zero
//   16  8  sampling interval N (retired instructions, at least 1)
//   24  8  zero
//   32     records, each starting with a tag byte:
//          0x00-0x1F  a sample: bits 1:0 CPL, bits 4:2 cpu::CpuMode; then the address as its
//                     difference from the previous sample's (the first: from 0), 64-bit
//                     wrapping, zigzag-encoded in LEB128 (at most 10 bytes)
//          0xFF       the end: the number of samples (8 bytes), then nothing
//
// Consecutive samples mostly sit close together, so a sample takes two to four bytes. The end
// record makes a truncated file (a run killed midway) detectable, and lets the writer stream.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace jitpc::profile {

constexpr uint32_t VERSION = 1;

struct Sample {
    uint64_t addr;  // linear address of the instruction about to run
    uint8_t cpl;
    uint8_t mode;  // cpu::CpuMode
};

// Streams samples to a file opened for writing.
class Writer {
public:
    Writer(std::FILE* out, uint64_t interval);
    void add(const Sample& s);
    // Writes the end record and flushes; throws std::runtime_error when the file could not be
    // written (disk full).
    void finish();
    uint64_t samples() const { return count_; }

private:
    void flush_buffer();
    std::FILE* out_;
    std::vector<uint8_t> buf_;
    uint64_t prev_ = 0, count_ = 0;
};

// Reads a whole profile file, calling `sample` for each sample in order; returns the interval.
// A file that is not a valid profile (wrong magic or version, a bad record, a truncated or
// trailing part, a count that disagrees) throws std::runtime_error naming the path and what is
// wrong, before or while samples are delivered.
uint64_t read(const std::string& path, const std::function<void(const Sample&)>& sample);

}  // namespace jitpc::profile
