// What jitpc's fw_cfg device holds for firmware that reads it (SeaBIOS): the board's memory
// map, jitpc's ACPI tables with the commands that place and link them, the boot order and the
// serial console port. The facts come from where the built-in BIOS takes them.
#pragma once

#include <cstdint>
#include <string>

#include "bios/acpi_tables.h"
#include "devices/fw_cfg.h"
#include "memory/ram_layout.h"

namespace jitpc::bios {

struct FwCfgFacts {
    memory::RamLayout ram;
    std::string boot_order;  // as -boot: 'a', 'c', 'd' in order
    bool ide_present[4];     // IDE slots 0-3 (primary master, slave, secondary master, slave)
    bool ide_cdrom[4];
    uint16_t console_port;   // where SeaBIOS's own console goes (COM1)
    AcpiPlatform acpi;
};

void fill_fw_cfg(devices::FwCfg& fw, const FwCfgFacts& facts);

}  // namespace jitpc::bios
