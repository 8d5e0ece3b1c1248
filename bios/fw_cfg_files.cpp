#include "bios/fw_cfg_files.h"

#include <cstring>

#include "bios/acpi_tables.h"
#include "bios/e820.h"

namespace jitpc::bios {

namespace {

// QEMU's legacy keys SeaBIOS still reads.
constexpr uint16_t KEY_NB_CPUS = 0x0005, KEY_BOOT_MENU = 0x000E, KEY_MAX_CPUS = 0x000F;

// etc/table-loader commands: 128 bytes each, little-endian fields.
constexpr uint32_t CMD_ALLOCATE = 1, CMD_ADD_POINTER = 2, CMD_ADD_CHECKSUM = 3;
constexpr uint8_t ZONE_HIGH = 1, ZONE_FSEG = 2;
constexpr unsigned CMD_SIZE = 128;
constexpr char TABLES[] = "etc/acpi/tables", RSDP[] = "etc/acpi/rsdp";

void put_le(std::vector<uint8_t>& b, size_t at, uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) b[at + i] = uint8_t(v >> (8 * i));
}

std::vector<uint8_t> le(uint64_t v, unsigned n) {
    std::vector<uint8_t> b(n);
    put_le(b, 0, v, n);
    return b;
}

class Loader {
public:
    void allocate(const char* file, uint32_t align, uint8_t zone) {
        const size_t at = command(CMD_ALLOCATE);
        name(at + 4, file);
        put_le(b_, at + 60, align, 4);
        b_[at + 64] = zone;
    }
    // Adds `src`'s address to the `size`-byte value at `dest` + `offset`.
    void add_pointer(const char* dest, const char* src, uint32_t offset, uint8_t size) {
        const size_t at = command(CMD_ADD_POINTER);
        name(at + 4, dest);
        name(at + 60, src);
        put_le(b_, at + 116, offset, 4);
        b_[at + 120] = size;
    }
    void add_checksum(const char* file, const AcpiChecksum& c) {
        const size_t at = command(CMD_ADD_CHECKSUM);
        name(at + 4, file);
        put_le(b_, at + 60, c.at, 4);
        put_le(b_, at + 64, c.start, 4);
        put_le(b_, at + 68, c.length, 4);
    }
    std::vector<uint8_t> take() { return std::move(b_); }

private:
    size_t command(uint32_t cmd) {
        const size_t at = b_.size();
        b_.resize(at + CMD_SIZE, 0);
        put_le(b_, at, cmd, 4);
        return at;
    }
    void name(size_t at, const char* file) { std::memcpy(&b_[at], file, std::strlen(file)); }
    std::vector<uint8_t> b_;
};

// OpenFirmware paths of the boot devices in -boot order, as QEMU writes them for SeaBIOS's
// bootorder file: one a line, NUL-terminated. Diskettes have no controller for SeaBIOS to boot
// from.
std::string boot_paths(const FwCfgFacts& f) {
    std::string out;
    for (char dev : f.boot_order) {
        if (dev != 'c' && dev != 'd') continue;
        for (unsigned slot = 0; slot < 4; ++slot)
            if (f.ide_present[slot] && f.ide_cdrom[slot] == (dev == 'd'))
                out += (out.empty() ? "" : "\n") + std::string("/pci@i0cf8/ide@1,1/drive@") +
                       std::to_string(slot / 2) + "/disk@" + std::to_string(slot % 2);
    }
    return out;
}

}  // namespace

void fill_fw_cfg(devices::FwCfg& fw, const FwCfgFacts& facts) {
    fw.add(KEY_NB_CPUS, le(1, 2));
    fw.add(KEY_MAX_CPUS, le(1, 2));
    fw.add(KEY_BOOT_MENU, le(0, 2));

    std::vector<uint8_t> e820;
    const E820Map board = board_memory(facts.ram);
    for (const E820Entry& e : board.entries()) {
        for (uint8_t b : le(e.base, 8)) e820.push_back(b);
        for (uint8_t b : le(e.length, 8)) e820.push_back(b);
        for (uint8_t b : le(e.type, 4)) e820.push_back(b);
    }
    fw.add_file("etc/e820", std::move(e820));

    // The tables are built for address 0, so every pointer in them is an offset that the
    // loader turns into an address by adding where it placed the blob.
    AcpiTables t = build_acpi(0, facts.acpi);
    Loader loader;
    loader.allocate(TABLES, 64, ZONE_HIGH);  // the FACS, first in the blob, needs 64
    loader.allocate(RSDP, 16, ZONE_FSEG);
    for (const AcpiPointer& p : t.pointers) loader.add_pointer(TABLES, TABLES, p.at, p.size);
    loader.add_pointer(RSDP, TABLES, RSDP_RSDT.at, RSDP_RSDT.size);
    for (const AcpiChecksum& c : t.checksums) loader.add_checksum(TABLES, c);
    loader.add_checksum(RSDP, RSDP_CHECKSUM);
    fw.add_file(TABLES, std::move(t.bytes));
    fw.add_file(RSDP, rsdp(t.rsdt));
    fw.add_file("etc/table-loader", loader.take());

    const std::string order = boot_paths(facts);
    fw.add_file("bootorder", std::vector<uint8_t>(order.c_str(), order.c_str() + order.size() + 1));
    fw.add_file("etc/sercon-port", le(facts.console_port, 2));
}

}  // namespace jitpc::bios
