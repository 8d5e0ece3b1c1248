// What the machine tells the user about the guest's exceptions and interrupts (Cpu::on_deliver):
// every one under -d int, and one console line when the guest takes the same exception at the
// same place REPEATS times in a row (a fault handler that returns to the faulting instruction
// unchanged: the guest is stuck and nothing else would say so). It only looks, so the guest
// runs the same with or without it, under either engine.
#pragma once

#include <cstdint>

#include "cpu/cpu.h"

namespace jitpc::machine {

class EventWatch {
public:
    void operator()(const cpu::Cpu& c, const cpu::Cpu::Event& e);

    static constexpr uint64_t REPEATS = 10'000;

private:
    // An exception is "the same" when its vector, CS:EIP, error code and (for #PF) CR2 are.
    struct Fault {
        uint8_t vector = 0;
        uint16_t cs = 0;
        uint64_t rip = 0;
        uint32_t error_code = 0;
        uint64_t cr2 = 0;
        cpu::CpuMode mode = cpu::CpuMode::Real16;
        bool operator==(const Fault&) const = default;
    };
    Fault last_;
    uint64_t repeats_ = 0;
};

}  // namespace jitpc::machine
