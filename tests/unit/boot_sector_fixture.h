// A whole machine booting a hand-assembled boot sector through the built-in BIOS, for tests of
// the BIOS services: the program calls them, stores what it got at RESULTS and exits through
// the debug-exit port.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace jitpc::test {

// Just enough 16-bit machine code for test programs.
class Asm16 {
public:
    enum R16 : uint8_t { AX, CX, DX, BX, SP, BP, SI, DI };
    enum R8 : uint8_t { AL, CL, DL, BL, AH, CH, DH, BH };

    Asm16& mov(R16 r, uint16_t v) { return bytes({uint8_t(0xB8 + r), uint8_t(v), uint8_t(v >> 8)}); }
    Asm16& mov(R8 r, uint8_t v) { return bytes({uint8_t(0xB0 + r), v}); }
    Asm16& intr(uint8_t n) { return bytes({0xCD, n}); }
    // mov [addr], r
    Asm16& store(uint16_t addr, R16 r) { return bytes({0x89, uint8_t(r << 3 | 6), uint8_t(addr), uint8_t(addr >> 8)}); }
    // pushf; pop si; mov [addr], si
    Asm16& store_flags(uint16_t addr) { return bytes({0x9C, 0x5E}).store(addr, SI); }
    Asm16& sti() { return bytes({0xFB}); }
    Asm16& cli() { return bytes({0xFA}); }
    Asm16& hlt() { return bytes({0xF4}); }
    // mov al, 0x10; out 0xF4, al: the run ends with status 33
    Asm16& exit() { return bytes({0xB0, 0x10, 0xE6, 0xF4}); }
    Asm16& bytes(std::initializer_list<uint8_t> b) {
        for (uint8_t x : b) code.push_back(x);  // (vector::insert trips GCC 12's -Wstringop-overflow)
        return *this;
    }
    std::vector<uint8_t> code;
};

struct BootSectorMachine {
    static constexpr uint16_t RESULTS = 0x600;
    static constexpr int PASSED = 33;

    // The program runs with DS = 0 (its prologue sets it).
    explicit BootSectorMachine(const Asm16& program) {
        static int serial = 0;
        path = (std::filesystem::temp_directory_path() /
                ("jitpc-bootsector-" + std::to_string(::getpid()) + "-" + std::to_string(serial++) + ".img"))
                   .string();
        // xor ax, ax; mov ds, ax; then the program
        std::vector<uint8_t> image = {0x31, 0xC0, 0x8E, 0xD8};
        image.insert(image.end(), program.code.begin(), program.code.end());
        if (image.size() > 510) throw std::length_error("test program does not fit a boot sector");
        image.resize(64 * 1024);
        image[510] = 0x55;
        image[511] = 0xAA;
        std::FILE* f = std::fopen(path.c_str(), "wb");
        std::fwrite(image.data(), 1, image.size(), f);
        std::fclose(f);
        machine::Config cfg;
        cfg.debugcon = nullptr;
        cfg.max_instructions = 2'000'000'000;
        cfg.drives.push_back({path});
        m = std::make_unique<machine::Machine>(cfg);
    }
    ~BootSectorMachine() { std::filesystem::remove(path); }

    int run() { return m->run(); }
    template <typename T> T rd(uint32_t paddr) {
        T v;
        m->mem.read_bytes(paddr, &v, sizeof v);
        return v;
    }
    uint16_t result(unsigned i) { return rd<uint16_t>(RESULTS + 2 * i); }
    void keys(std::initializer_list<uint8_t> scancodes) {
        for (uint8_t b : scancodes) m->kbc.key_scancode(b);
    }

    std::string path;
    std::unique_ptr<machine::Machine> m;
};

}  // namespace jitpc::test
