// QEMU's firmware configuration device (fw_cfg), as its x86 machines place it: a 16-bit
// little-endian selector at I/O port 0x510, a byte-wide data port at 0x511, and the DMA address
// register at 0x514-0x51B (a 64-bit big-endian guest address; writing its low half at 0x518
// runs the transfer). SeaBIOS reads its configuration here: the memory map, the ACPI tables and
// the commands that link them, the boot order, the serial console port.
//
// Items are read-only byte strings under 16-bit keys; named files get keys from 0x0020 on and
// are listed in the file directory (key 0x0019: a big-endian count, then 64-byte entries of
// big-endian size and key and a 56-byte name). Reading past an item's end gives zeros, as does
// an unknown key. DMA writes to items are refused (the error bit), as QEMU refuses them for
// read-only files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "devices/io_bus.h"
#include "memory/physmem.h"

namespace jitpc::devices {

class FwCfg : public PortDevice {
public:
    static constexpr uint16_t PORT_BASE = 0x510, PORT_COUNT = 12;
    static constexpr uint16_t SIGNATURE = 0x0000, ID = 0x0001, FILE_DIR = 0x0019, FIRST_FILE = 0x0020;
    static constexpr unsigned FILE_NAME_SIZE = 56;

    explicit FwCfg(memory::PhysMemory& mem);
    void add(uint16_t key, std::vector<uint8_t> data);
    void add_file(const std::string& name, std::vector<uint8_t> data);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(key_, offset_, dma_addr_);
        a.check(position_fits(), "fw_cfg's selected item or offset");
    }

private:
    static constexpr uint16_t SELECTOR = 0x510, DATA = 0x511, DMA = 0x514;
    uint8_t read_byte();
    void select(uint16_t key);
    void run_dma(uint64_t addr);
    const std::vector<uint8_t>* item() const;
    bool position_fits() const;

    memory::PhysMemory& mem_;
    std::map<uint16_t, std::vector<uint8_t>> items_;
    uint16_t next_file_key_ = FIRST_FILE;
    uint16_t key_ = 0;
    uint32_t offset_ = 0;
    uint8_t dma_addr_[8] = {};  // big-endian, byte i at port 0x514 + i
};

}  // namespace jitpc::devices
