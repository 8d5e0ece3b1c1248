// INT 1Ah: the BIOS tick count the ROM's IRQ 0 handler keeps at 0040:006Ch, and the RTC's
// time and date, read and written through its ports (0x70/0x71) as a BIOS does. No PCI BIOS
// (AX=B1xxh fails with AH=86h: there is no protected-mode entry point to offer with it).
#include <initializer_list>
#include <utility>

#include "bios/bda.h"
#include "bios/bios.h"

namespace jitpc::bios {

namespace {

constexpr uint8_t RTC_SECONDS = 0x00, RTC_MINUTES = 0x02, RTC_HOURS = 0x04, RTC_DAY = 0x07,
                  RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_A = 0x0A, RTC_B = 0x0B, RTC_CENTURY = 0x32;
constexpr uint8_t A_UIP = 0x80;
constexpr uint8_t B_SET = 0x80, B_BINARY = 0x04, B_24H = 0x02, B_DST = 0x01;
constexpr uint8_t PM = 0x80;  // the hour's bit in 12-hour mode

uint8_t to_bcd(unsigned v) { return uint8_t((v / 10) << 4 | v % 10); }
unsigned from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0x0F); }

// The RTC as INT 1Ah sees it: fields in BCD and hours in 24-hour form, whatever data mode
// register B selects.
class Rtc {
public:
    explicit Rtc(devices::IoBus& bus) : bus_(bus), b_(reg(RTC_B)) {}

    bool updating() { return reg(RTC_A) & A_UIP; }
    bool dst() const { return b_ & B_DST; }

    uint8_t get(uint8_t index) {
        uint8_t v = reg(index);
        bool pm = false;
        if (index == RTC_HOURS && !(b_ & B_24H)) {
            pm = v & PM;
            v &= uint8_t(~PM);
        }
        unsigned n = (b_ & B_BINARY) ? v : from_bcd(v);
        if (index == RTC_HOURS && !(b_ & B_24H)) n = n % 12 + (pm ? 12 : 0);
        return to_bcd(n);
    }

    // Writes BCD fields with the update cycle stopped, so no carry lands between them.
    void set(std::initializer_list<std::pair<uint8_t, uint8_t>> fields) {
        write(RTC_B, b_ | B_SET);
        for (auto [index, bcd] : fields) {
            unsigned n = from_bcd(bcd);
            uint8_t v = 0;
            if (index == RTC_HOURS && !(b_ & B_24H)) {
                v = n >= 12 ? PM : 0;
                n = n % 12 == 0 ? 12 : n % 12;
            }
            write(index, uint8_t(v | ((b_ & B_BINARY) ? n : to_bcd(n))));
        }
        write(RTC_B, b_);
    }
    void set_dst(bool on) { b_ = on ? (b_ | B_DST) : (b_ & ~B_DST); }

private:
    uint8_t reg(uint8_t index) {
        bus_.io_write(0x70, 1, index);
        return uint8_t(bus_.io_read(0x71, 1));
    }
    void write(uint8_t index, uint8_t v) {
        bus_.io_write(0x70, 1, index);
        bus_.io_write(0x71, 1, v);
    }

    devices::IoBus& bus_;
    uint8_t b_;
};

}  // namespace

void Bios::clock(RealModeCall& call) {
    switch (call.ah()) {
    case 0x00: {
        const uint32_t ticks = call.read<uint32_t>(bda::SEGMENT, bda::TICKS);
        call.set_reg16(cpu::ECX, uint16_t(ticks >> 16));
        call.set_reg16(cpu::EDX, uint16_t(ticks));
        call.set_al(call.read<uint8_t>(bda::SEGMENT, bda::MIDNIGHT));
        call.write<uint8_t>(bda::SEGMENT, bda::MIDNIGHT, 0);
        return;
    }
    case 0x01:
        call.write<uint32_t>(bda::SEGMENT, bda::TICKS,
                             uint32_t(call.reg16(cpu::ECX)) << 16 | call.reg16(cpu::EDX));
        call.write<uint8_t>(bda::SEGMENT, bda::MIDNIGHT, 0);
        return;
    case 0x02:
    case 0x04: {
        Rtc rtc(bus_);
        // An update is under way (the last 244 us before a second boundary): the host
        // service takes no time, so wait for the next interrupt and read again.
        if (rtc.updating()) return call.retry_after_interrupt();
        if (call.ah() == 0x02) {
            call.set_reg16(cpu::ECX, uint16_t(rtc.get(RTC_HOURS) << 8 | rtc.get(RTC_MINUTES)));
            call.set_reg16(cpu::EDX, uint16_t(rtc.get(RTC_SECONDS) << 8 | (rtc.dst() ? 1 : 0)));
        } else {
            call.set_reg16(cpu::ECX, uint16_t(rtc.get(RTC_CENTURY) << 8 | rtc.get(RTC_YEAR)));
            call.set_reg16(cpu::EDX, uint16_t(rtc.get(RTC_MONTH) << 8 | rtc.get(RTC_DAY)));
        }
        return call.ok();
    }
    case 0x03: {
        Rtc rtc(bus_);
        rtc.set_dst(call.reg8(2) & 1);
        rtc.set({{RTC_HOURS, call.reg8(5)}, {RTC_MINUTES, call.reg8(1)},
                 {RTC_SECONDS, call.reg8(6)}});
        return call.ok();
    }
    case 0x05:
        Rtc(bus_).set({{RTC_CENTURY, call.reg8(5)}, {RTC_YEAR, call.reg8(1)},
                       {RTC_MONTH, call.reg8(6)}, {RTC_DAY, call.reg8(2)}});
        return call.ok();
    default: return unsupported(call, 0x1A, 0x86);
    }
}

}  // namespace jitpc::bios
