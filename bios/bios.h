// jitpc's PC BIOS. The ROM (bios/rom/*.asm, assembled at build time) holds the reset vector,
// the interrupt vector table's handlers, the IRQ handlers and the boot path in real-mode code;
// services whose work is bookkeeping over host-side data (disk images, the memory map, ACPI
// tables) are ROM stubs that trap into this class:
//
//     push word SERVICE      ; which service (bios/rom/services.inc)
//     out TRAP_PORT, al      ; the host performs it, then pops the service word
//     iret                   ; back to the caller with the results in its registers
//
// The host sees the caller's registers as they were at the INT (the stub changes nothing but
// the stack), reads and edits them, and returns CF/ZF by editing the FLAGS image of the INT
// frame, so the caller's IF and TF are untouched. A trap from anywhere but the ROM's code, or
// outside real mode, is ignored and logged once: a guest cannot reach the host through it.
//
// Memory the services read or write goes through PhysMemory with the A20 gate applied, so a
// BIOS write over decoded code invalidates it like any DMA.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bios/acpi_tables.h"
#include "bios/bda.h"
#include "bios/e820.h"
#include "bios/el_torito.h"
#include "bios/linux_boot.h"
#include "cpu/cpu.h"
#include "devices/io_bus.h"
#include "memory/physmem.h"
#include "storage/disk_image.h"

namespace jitpc::bios {

// The service numbers the ROM pushes (bios/services.def, shared with the ROM source).
enum class Service : uint16_t {
#define SERVICE(name, number) name = number,
#include "bios/services.def"
#undef SERVICE
};

// The drives the BIOS knows, numbered as INT 13h numbers them.
struct Drives {
    storage::DiskImage* floppy[2] = {};  // 0x00, 0x01
    storage::DiskImage* hard[2] = {};    // 0x80, 0x81: the IDE disks in channel order
    storage::DiskImage* cdrom = nullptr;  // 0xE0 (2048-byte blocks; El Torito when booted from)
    uint8_t cdrom_slot = 0;               // its IDE slot: channel * 2 + (slave ? 1 : 0)
};

// A kernel to start instead of a boot sector (-kernel): a Linux bzImage, or a Multiboot kernel
// (with -initrd its modules).
struct KernelConfig {
    std::string path, initrd_path, cmdline;
    bool multiboot = false;
};

// Where teletype output (INT 10h AH=0Eh/13h) is copied as well, as QEMU's BIOS copies it to the
// serial console under -nographic: boot loaders' and the kernel setup code's messages then show
// without a screen. Host-side only: the guest's UART sees nothing of it.
using TextMirror = std::function<void(uint8_t)>;

struct BiosConfig {
    memory::RamLayout ram;
    AcpiPlatform acpi;  // what the ACPI tables describe beyond the plain PC
    Drives drives;
    // Boot devices tried first: 'a' floppy, 'c' hard disk, 'd' CD-ROM; absent ones are skipped
    // and the ones left out follow in the default order (bios/boot.cpp).
    std::string boot_order = "cad";
    KernelConfig kernel;  // used when kernel.path is set
    TextMirror text_mirror;
};

// Whether [addr, addr + len) lies inside the 32-bit physical address space. Computed in 64 bits
// so that no address or length a guest hands a service can wrap past 4 GiB (onto the IVT).
constexpr bool in_address_space(uint64_t addr, uint64_t len) {
    constexpr uint64_t TOP = 1ull << 32;
    return addr <= TOP && len <= TOP - addr;
}

// The caller of a trapped service, as it sees itself: registers, its FLAGS image on the stack,
// and real-mode memory.
class RealModeCall {
public:
    RealModeCall(cpu::Cpu& c, memory::PhysMemory& mem) : c_(c), mem_(mem) {}
    cpu::Cpu& cpu() { return c_; }

    uint8_t ah() const { return uint8_t(c_.gpr[cpu::EAX] >> 8); }
    uint8_t al() const { return uint8_t(c_.gpr[cpu::EAX]); }
    uint16_t reg16(cpu::Gpr r) const { return uint16_t(c_.gpr[r]); }
    uint32_t reg32(cpu::Gpr r) const { return uint32_t(c_.gpr[r]); }
    uint8_t reg8(unsigned r8) { return c_.reg8(cpu::legacy_reg8(r8)); }  // 0-3 AL..BL, 4-7 AH..BH
    void set_reg8(unsigned r8, uint8_t v) { c_.reg8(cpu::legacy_reg8(r8)) = v; }
    void set_reg16(cpu::Gpr r, uint16_t v) { c_.reg16(r) = v; }
    void set_reg32(cpu::Gpr r, uint32_t v) { c_.gpr[r] = v; }
    void set_ah(uint8_t v) { set_reg8(4, v); }
    void set_al(uint8_t v) { set_reg8(0, v); }
    uint16_t sreg(cpu::SegReg s) const { return c_.seg[s].sel; }

    // The caller's FLAGS as it will be after IRET.
    void set_cf(bool on) { edit_flags(cpu::EFLAGS_CF, on); }
    void set_zf(bool on) { edit_flags(cpu::EFLAGS_ZF, on); }
    // Success/failure in the usual INT 13h/15h shape: CF, and AH = status.
    void ok() { set_cf(false); }
    void fail(uint8_t ah_status) {
        set_ah(ah_status);
        set_cf(true);
    }

    // Asks the stub to halt until the next interrupt and repeat the call (a blocking service
    // with nothing to return yet, such as INT 16h AH=00h on an empty buffer).
    void retry_after_interrupt();

    // Real-mode addresses (segment * 16 + offset, wrapped by the A20 gate).
    uint32_t linear(uint16_t seg, uint32_t off) const;
    void read(uint16_t seg, uint32_t off, void* dst, size_t n);
    void write(uint16_t seg, uint32_t off, const void* src, size_t n);
    template <typename T> T read(uint16_t seg, uint32_t off) {
        T v;
        read(seg, off, &v, sizeof v);
        return v;
    }
    template <typename T> void write(uint16_t seg, uint32_t off, T v) { write(seg, off, &v, sizeof v); }

    // Makes the service's IRET land at seg:off with the given FLAGS instead of returning to
    // the caller (boot: INT 19h never returns).
    void redirect(uint16_t seg, uint16_t off);

private:
    void edit_flags(uint32_t bit, bool on);
    cpu::Cpu& c_;
    memory::PhysMemory& mem_;
};

class Bios : public devices::PortDevice {
public:
    static constexpr uint16_t TRAP_PORT = 0xEF;
    static constexpr uint32_t ROM_BASE = 0xF0000;
    static constexpr uint32_t ROM_SIZE = 0x10000;
    // BIOS data areas (addresses the PC has always used).
    static constexpr uint32_t BDA = bda::BASE;  // field offsets: bios/bda.h
    static constexpr uint32_t EBDA = 0x9FC00;  // 1 KiB just below 640 KiB
    static constexpr uint16_t EBDA_KIB = 1;
    // The ACPI tables sit in a reserved block at the top of RAM (as SeaBIOS places its tables
    // in high reserved memory), so OSes never reuse them.
    static constexpr uint32_t ACPI_AREA_SIZE = 0x10000;
    // Fixed offsets in the ROM (bios/rom_layout.def, shared with bios/rom/bios.asm, which
    // reserves the slots): ROM_RSDP, 36 bytes 16-byte aligned for the RSDP POST writes;
    // ROM_CONFIG_TABLE, the INT 15h AH=C0h table at the IBM AT's address F000:E6F5.
#define ROM_OFFSET(name, offset) static constexpr uint32_t ROM_##name = offset;
#include "bios/rom_layout.def"
#undef ROM_OFFSET

    // Maps the ROM at 0xF0000 and below 4 GiB and claims TRAP_PORT. `devices` is the port bus
    // the services use to reach hardware (RTC, keyboard controller, VGA, PCI).
    Bios(cpu::Cpu& cpu, memory::PhysMemory& mem, devices::IoBus& bus, BiosConfig cfg);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;

    // The memory map INT 15h E820 reports (built by POST).
    const E820Map& memory_map() const { return e820_; }
    // Guest address of the ACPI tables' block (top of RAM, below 4 GiB).
    uint32_t acpi_base() const { return acpi_base_; }

    // Its state for snapshots (snapshot/archive.h).
    template <class A> void snapshot(A& a) {
        a(wait_until_, cd_boot_);  // an INT 15h AH=86h wait in progress, the El Torito boot
        if constexpr (A::loading) a.check(cd_boot_fits(), "the El Torito boot image");
    }

private:
    void dispatch(Service s, RealModeCall& call);
    // A call this BIOS does not provide: logged once per (vector, AH), then failed the way the
    // vector's convention says (CF=1 and AH = `status`, e.g. 86h for INT 15h, 01h for INT 13h).
    void unsupported(RealModeCall& call, uint8_t vector, uint8_t status);

    // One per service; each lives in the file named after it.
    void post(RealModeCall& call);                // post.cpp
    void video(RealModeCall& call);               // int10_video.cpp
    void equipment(RealModeCall& call);           // post.cpp (BDA equipment word)
    void memory_size(RealModeCall& call);         // post.cpp (BDA base memory)
    void disk(RealModeCall& call);                // int13_disk.cpp
    uint8_t el_torito_call(RealModeCall& call);   // int13_disk.cpp (AX=4B00h/4B01h)
    // The El Torito emulated disk while it is there, and the drives of a kind INT 13h and the
    // BDA count (int13_disk.cpp).
    const BootImage* cd_emulation() const;
    // After a load: a CD boot needs the CD, and an emulated disk a geometry and sectors inside it.
    bool cd_boot_fits() const;
    unsigned drive_count(bool hard) const;
    // Forgets the CD boot, ending an emulation, and writes the BDA's drive counts (post.cpp).
    void end_cd_boot(RealModeCall& call);
    void write_drive_counts(RealModeCall& call);
    void system(RealModeCall& call);              // int15_system.cpp
    void keyboard(RealModeCall& call);            // int16_keyboard.cpp
    void keyboard_irq(RealModeCall& call);        // int16_keyboard.cpp
    void no_boot_device(RealModeCall& call);      // boot.cpp
    void boot(RealModeCall& call);                // boot.cpp
    void clock(RealModeCall& call);               // int1a_clock.cpp
    void start_linux(RealModeCall& call);         // boot.cpp
    void start_multiboot(RealModeCall& call);     // boot.cpp
    // boot.cpp: loads one boot order letter's device and points the IRET at it, or returns
    // false (absent, or not bootable: the reason printed once).
    bool boot_from(char device, RealModeCall& call);
    bool boot_sector(storage::DiskImage* image, uint8_t drive, RealModeCall& call);
    bool boot_cd(RealModeCall& call);

    // POST steps (post.cpp, pci_setup.cpp).
    void build_memory_map();
    void init_bda(RealModeCall& call);
    static void setup_mtrrs(cpu::Cpu& c);
    void install_acpi();
    void setup_pci();
    // INT 15h sub-services (int15_system.cpp, int15_memory.cpp).
    void e820_next(RealModeCall& call);
    void memory_size_e801(RealModeCall& call);
    void memory_size_88h(RealModeCall& call);
    void block_move(RealModeCall& call);
    void a20_gate(RealModeCall& call);
    void wait_microseconds(RealModeCall& call);
    // RAM below 4 GiB that the tables do not use (end of the E820 map's last RAM range).
    uint32_t usable_ram_top() const { return acpi_base_; }

    cpu::Cpu& cpu_;
    memory::PhysMemory& mem_;
    devices::IoBus& bus_;
    BiosConfig cfg_;
    E820Map e820_;
    uint32_t acpi_base_ = 0;
    // INT 15h AH=86h: when the wait in progress ends, on the virtual clock.
    std::optional<uint64_t> wait_until_;
    std::optional<LinuxKernel16> kernel_;
    std::optional<BootImage> cd_boot_;  // set when booted from the CD (INT 13h AX=4B01h)
    std::vector<bool> logged_unsupported_ = std::vector<bool>(256 * 256);
};

}  // namespace jitpc::bios
