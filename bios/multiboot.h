// Multiboot (v0.6.96) loader for -kernel: ELF32 kernels, or flat images with the a.out kludge
// header, plus -initrd modules and the -append command line.
#pragma once

#include <string>

#include "cpu/cpu.h"
#include "memory/physmem.h"

namespace jitpc::bios {

// Whether `kernel` carries a Multiboot header (else -kernel takes it for a Linux bzImage).
// Throws std::runtime_error with a user-facing message when it cannot be read.
bool is_multiboot(const std::string& kernel);

// Loads the kernel and modules, builds the Multiboot information structure and puts the CPU in
// the state the specification promises at entry (EAX=0x2BADB002, EBX=info, flat 32-bit
// protected mode, paging and interrupts off). `initrd` may list several modules separated by
// commas. Throws std::runtime_error with a user-facing message on bad input.
void load_multiboot(memory::PhysMemory& mem, cpu::Cpu& cpu, const std::string& kernel,
                    const std::string& cmdline, const std::string& initrd);

}  // namespace jitpc::bios
