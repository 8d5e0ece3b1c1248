// What the snapshot fuzzers (tests/unit/snapshot_fuzz_test.cpp, tests/fuzz/parse_fuzz.cpp)
// share: a boot-sector program that leaves an ATA transfer in flight, and the section frames of
// a snapshot file (snapshot.cpp), found and resealed so that a mutated section passes its CRC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "replay/checksum.h"
#include "tests/unit/boot_sector_fixture.h"

namespace jitpc::test {

// Starts a two-sector PIO read of its own disk, takes 100 words of it and halts (`idle`: with
// interrupts on, for ever): a snapshot then holds a transfer in flight.
inline Asm16 mid_transfer(bool idle = false) {
    Asm16 a;
    auto out = [&](uint16_t port, uint8_t v) { a.mov(Asm16::DX, port).mov(Asm16::AL, v).bytes({0xEE}); };
    out(0x1F6, 0xE0);
    out(0x1F2, 2);
    out(0x1F3, 0);
    out(0x1F4, 0);
    out(0x1F5, 0);
    out(0x1F7, 0x20);  // READ SECTORS
    a.bytes({0xEC, 0xA8, 0x08, 0x74, 0xFB});  // wait: in al, dx; test al, 8; jz wait
    a.mov(Asm16::DX, 0x1F0).mov(Asm16::CX, 100);
    a.bytes({0xED, 0xE2, 0xFD});  // in ax, dx; loop
    if (idle) a.sti().hlt().bytes({0xEB, 0xFD});  // hlt; jmp back to it
    else a.cli().hlt();
    return a;
}

// A machine for the disk image at `disk`, its writes kept in memory.
inline machine::Config snapshot_config(const std::string& disk) {
    machine::Config cfg;
    cfg.debugcon = nullptr;
    cfg.snapshot = true;
    cfg.drives.push_back({disk});
    return cfg;
}

// Every section frame of a snapshot: its start, payload start and length.
struct SnapshotFrame {
    size_t start, payload, length;
};
inline std::vector<SnapshotFrame> snapshot_frames(const std::string& s) {
    std::vector<SnapshotFrame> out;
    size_t pos = 8;
    while (pos + 4 <= s.size()) {
        uint32_t name = 0;
        for (int i = 0; i < 4; ++i) name |= uint32_t(uint8_t(s[pos + i])) << (8 * i);
        uint64_t len = 0;
        for (int i = 0; i < 8; ++i) len |= uint64_t(uint8_t(s[pos + 4 + name + i])) << (8 * i);
        out.push_back({pos, pos + 4 + name + 8, size_t(len)});
        pos += 4 + name + 8 + len + 4;
    }
    return out;
}

inline void reseal(std::string& s, const SnapshotFrame& f) {
    const size_t end = f.payload + f.length;
    const uint32_t crc = replay::crc32(s.data() + f.start, end - f.start);
    for (int i = 0; i < 4; ++i) s[end + i] = char(crc >> (8 * i));
}

// I/O ports whose reads drive the loaded devices' state (data and index registers).
inline const std::vector<uint16_t> DEVICE_PORTS = {0x1F0, 0x1F7, 0x170, 0x177, 0x3F8, 0x3FA, 0x3FD, 0x2F8,
                                                   0x71,  0x60,  0x64,  0x20,  0x21,  0xA0,  0x40,  0x3C9,
                                                   0x3C1, 0x3C5, 0x3CF, 0x3D5, 0x511, 0xCFC, 0x61};

}  // namespace jitpc::test
