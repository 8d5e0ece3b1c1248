// Segment and gate descriptors as they sit in the GDT, LDT and IDT, and reading them.
#pragma once

#include <cstdint>

#include "cpu/state.h"

namespace jitpc::cpu {

class Cpu;

// System descriptor types (attr::TYPE with S = 0).
namespace sys_type {
constexpr unsigned TSS16_AVAIL = 1, LDT = 2, TSS16_BUSY = 3, CALL_GATE16 = 4, TASK_GATE = 5,
                   INT_GATE16 = 6, TRAP_GATE16 = 7, TSS32_AVAIL = 9, TSS32_BUSY = 11,
                   CALL_GATE32 = 12, INT_GATE32 = 14, TRAP_GATE32 = 15;
}

struct Descriptor {
    uint32_t lo = 0, hi = 0;

    uint16_t attrs() const { return static_cast<uint16_t>((hi >> 8) & 0xF0FF); }
    unsigned type() const { return (hi >> 8) & attr::TYPE; }
    bool segment() const { return attrs() & attr::S; }  // code/data, not system
    bool code() const { return segment() && (type() & attr::CODE); }
    bool data() const { return segment() && !(type() & attr::CODE); }
    bool conforming() const { return code() && (type() & attr::CONFORMING); }
    bool readable() const { return data() || (type() & attr::READABLE); }
    bool writable_data() const { return data() && (type() & attr::WRITABLE); }
    // A 64-bit code segment (L set, D clear; L with D is reserved).
    bool code64() const { return code() && (attrs() & (attr::L | attr::DB)) == attr::L; }
    bool long_reserved() const { return code() && (attrs() & (attr::L | attr::DB)) == (attr::L | attr::DB); }
    unsigned dpl() const { return (hi >> 13) & 3; }
    bool present() const { return hi & (1u << 15); }
    uint32_t base() const { return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u); }
    uint32_t limit() const {
        const uint32_t raw = (lo & 0xFFFF) | (hi & 0xF0000);
        return (attrs() & attr::G) ? (raw << 12) | 0xFFF : raw;
    }
    // Gates.
    uint16_t gate_selector() const { return static_cast<uint16_t>(lo >> 16); }
    uint32_t gate_offset() const { return (lo & 0xFFFF) | (hi & 0xFFFF0000u); }

    // Fills a segment register's hidden part from this descriptor.
    void load_into(SegCache& s, uint16_t sel) const;
};

// Where a selector's descriptor lives, or false when it lies beyond the GDT/LDT limit (or
// names the LDT while none is loaded). The caller raises the fault its instruction calls for.
bool descriptor_address(const Cpu& c, uint16_t sel, uint64_t& lin);
// Reads the descriptor of a non-null selector, raising `vector`(sel & ~3 | ext) when the
// selector lies outside its table.
Descriptor read_descriptor(Cpu& c, uint16_t sel, unsigned vector, uint32_t ext = 0);
// The upper half of a 16-byte system descriptor of IA-32e mode (LDT, TSS, call gate): bits
// 63:32 of its base or offset. #GP(sel) when it lies beyond the table or its type field is
// not zero.
uint32_t read_descriptor_upper(Cpu& c, uint16_t sel);
// Sets the accessed bit of a code/data descriptor in memory when it is clear.
void mark_accessed(Cpu& c, uint16_t sel, const Descriptor& d);
// Marks a data segment register unusable (null selector loaded in protected mode).
void load_null(SegCache& s, uint16_t sel);

}  // namespace jitpc::cpu
