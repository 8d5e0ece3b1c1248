#include "devices/rtc.h"

namespace jitpc::devices {

namespace {

enum : unsigned {
    SEC = 0x00, SEC_ALARM = 0x01, MIN = 0x02, MIN_ALARM = 0x03, HOUR = 0x04, HOUR_ALARM = 0x05,
    WDAY = 0x06, MDAY = 0x07, MONTH = 0x08, YEAR = 0x09,
    REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D, CENTURY = 0x32,
};

constexpr uint8_t A_UIP = 0x80, A_DV_32K = 0x20;
constexpr uint8_t B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04,
                  B_24H = 0x02;
constexpr uint8_t C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;
constexpr uint8_t D_VRT = 0x80;

constexpr uint64_t SECOND = TICKS_PER_SECOND;
constexpr uint64_t UIP_WINDOW = 244'000;
constexpr uint64_t CRYSTAL_HZ = 32'768;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void date_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
    z += 719468;
    const int64_t era = floor_div(z, 146097), doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = era * 400 + yoe + (m <= 2);
}

// 0 = Sunday; 1970-01-01 was a Thursday.
int64_t weekday(int64_t y, int64_t m, int64_t d) {
    const int64_t w = days_from_date(y, m, d) + 4;
    return w - 7 * floor_div(w, 7);
}

}  // namespace

int64_t days_from_date(int64_t y, int64_t m, int64_t d) {
    y += floor_div(m - 1, 12);
    m -= 12 * floor_div(m - 1, 12);
    if (m <= 2) --y;
    const int64_t era = floor_div(y, 400), yoe = y - era * 400;
    const int64_t doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

Rtc::Rtc(Clock& clock, IrqLine irq, int64_t base_seconds)
    : clock_(clock), irq_(std::move(irq)), offset_(base_seconds) {
    regs_[REG_A] = A_DV_32K | 0x06;  // 32.768 kHz time base, 1024 Hz periodic rate
    regs_[REG_B] = B_24H;            // BCD, 24-hour
    update_timer_ = clock_.add_timer([this](uint64_t) { on_update(); });
    periodic_timer_ = clock_.add_timer([this](uint64_t) {
        update_irq();
        arm_timers();
    });
    pf_since_ = clock_.now();
    arm_timers();
}

uint32_t Rtc::port_read(uint16_t port, unsigned size) {
    const uint32_t open_bus = size == 4 ? 0xFFFFFF00u : size == 2 ? 0xFF00u : 0;
    // The index port is write-only: it reads as open bus, as on QEMU.
    return ((port & 1) ? read_reg(index_) : 0xFF) | open_bus;
}

void Rtc::port_write(uint16_t port, unsigned, uint32_t value) {
    if (port & 1)
        return write_reg(index_, static_cast<uint8_t>(value));
    index_ = value & 0x7F;
    nmi_masked_ = value & 0x80;
}

// Updates run only with SET clear and the divider on the 32.768 kHz time base; SET, a divider
// reset (DV = 11x) or any other time base freeze the time registers.
bool Rtc::running() const {
    return !(regs_[REG_B] & B_SET) && (regs_[REG_A] & 0x70) == A_DV_32K;
}

uint8_t Rtc::read_reg(unsigned index) {
    const uint64_t now = clock_.now();
    switch (index) {
    case REG_A: {
        const bool uip = running() && now % SECOND >= SECOND - UIP_WINDOW;
        return static_cast<uint8_t>((regs_[REG_A] & ~A_UIP) | (uip ? A_UIP : 0));
    }
    case REG_C: {
        latch_update();
        const bool pf = periodic_flag();
        const uint8_t b = regs_[REG_B];
        const bool irqf = (pf && (b & B_PIE)) || (af_ && (b & B_AIE)) || (uf_ && (b & B_UIE));
        const uint8_t v = (irqf ? C_IRQF : 0) | (pf ? C_PF : 0) | (af_ ? C_AF : 0) | (uf_ ? C_UF : 0);
        pf_latched_ = uf_ = af_ = false;
        pf_since_ = now;
        update_irq();
        return v;
    }
    case REG_D: return D_VRT;
    case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MONTH: case YEAR: case CENTURY:
        return time_reg(index);
    default: return regs_[index];
    }
}

void Rtc::write_reg(unsigned index, uint8_t v) {
    switch (index) {
    case REG_A: case REG_B: return write_control(index, v);
    case REG_C: case REG_D: return;  // read-only
    case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MONTH: case YEAR: case CENTURY:
        return write_time(index, v);
    default: regs_[index] = v;
    }
}

uint8_t Rtc::encode(int64_t v) const {
    if (regs_[REG_B] & B_DM) return static_cast<uint8_t>(v);
    return static_cast<uint8_t>(((v / 10) % 10) << 4 | (v % 10));
}

int64_t Rtc::decode(uint8_t v) const {
    return (regs_[REG_B] & B_DM) ? v : (v >> 4) * 10 + (v & 0x0F);
}

Rtc::Date Rtc::current() const {
    if (!running()) return frozen_;
    const int64_t t = offset_ + static_cast<int64_t>(second_of(clock_.now()));
    const int64_t days = floor_div(t, 86400), secs = t - days * 86400;
    Date d{secs % 60, secs / 60 % 60, secs / 3600, 0, 0, 0};
    date_from_days(days, d.year, d.month, d.mday);
    return d;
}

void Rtc::store(const Date& d) {
    if (!running()) {
        frozen_ = d;
        return;
    }
    const int64_t days = days_from_date(d.year, d.month, d.mday);
    offset_ = days * 86400 + d.hour * 3600 + d.min * 60 + d.sec -
              static_cast<int64_t>(second_of(clock_.now()));
}

uint8_t Rtc::time_reg(unsigned index) const {
    const Date d = current();
    switch (index) {
    case SEC: return encode(d.sec);
    case MIN: return encode(d.min);
    case HOUR:
        if (regs_[REG_B] & B_24H) return encode(d.hour);
        return static_cast<uint8_t>(encode(d.hour % 12 ? d.hour % 12 : 12) | (d.hour >= 12 ? 0x80 : 0));
    case WDAY: {  // 1 = Sunday
        const int64_t w = weekday(d.year, d.month, d.mday) + wday_adjust_;
        return encode(w - 7 * floor_div(w, 7) + 1);
    }
    case MDAY: return encode(d.mday);
    case MONTH: return encode(d.month);
    case YEAR: return encode(d.year - 100 * floor_div(d.year, 100));
    default: return encode(floor_div(d.year, 100));  // CENTURY
    }
}

void Rtc::write_time(unsigned index, uint8_t v) {
    Date d = current();
    const int64_t value = decode(index == HOUR ? v & 0x7F : v);
    switch (index) {
    case SEC: d.sec = value; break;
    case MIN: d.min = value; break;
    case HOUR:
        d.hour = (regs_[REG_B] & B_24H) ? value : value % 12 + ((v & 0x80) ? 12 : 0);
        break;
    case WDAY:
        wday_adjust_ = value - 1 - weekday(d.year, d.month, d.mday);
        return;
    case MDAY: d.mday = value; break;
    case MONTH: d.month = value; break;
    case YEAR: d.year = 100 * floor_div(d.year, 100) + value; break;
    default: d.year = 100 * value + d.year - 100 * floor_div(d.year, 100); break;  // CENTURY
    }
    store(d);
}

void Rtc::write_control(unsigned index, uint8_t v) {
    const bool was_running = running();
    const Date before = current();
    latch_periodic();
    latch_update();
    if (index == REG_A) {
        regs_[REG_A] = v & ~A_UIP;
    } else {
        if ((v & B_SET) && !(regs_[REG_B] & B_SET)) v &= ~B_UIE;  // entering SET clears UIE
        regs_[REG_B] = v;
    }
    if (was_running != running()) {
        // Stopping freezes the registers at the current time; restarting resumes from them,
        // keeping the second boundaries on multiples of 1e9 ticks.
        if (was_running) frozen_ = before;
        else store(frozen_);
    }
    arm_timers();
    update_irq();
}

// Rate select 1 and 2 give 256 and 128 Hz; 3-15 give 32768 >> (RS - 1) Hz.
uint64_t Rtc::periodic_divider() const {
    const unsigned rs = regs_[REG_A] & 0x0F;
    if (rs == 0 || (regs_[REG_A] & 0x70) != A_DV_32K) return 0;
    return rs <= 2 ? uint64_t(1) << (rs + 6) : uint64_t(1) << (rs - 1);
}

// Periodic edges k happen at k * divider / 32768 s: the count of them up to a tick.
uint64_t Rtc::periodic_edges(uint64_t tick) const {
    return scale(tick, CRYSTAL_HZ, SECOND * periodic_divider());
}

// PF needs no event of its own: it is set when an edge fell after the last clear.
bool Rtc::periodic_flag() const {
    if (pf_latched_) return true;
    return periodic_divider() && periodic_edges(clock_.now()) > periodic_edges(pf_since_);
}

// Before the rate changes, the edges counted at the old rate are kept in the latch.
void Rtc::latch_periodic() {
    pf_latched_ = periodic_flag();
    pf_since_ = clock_.now();
}

// Without the update timer (see arm_timers), UF is set when a second boundary fell, with the
// clock running, after the last look.
void Rtc::latch_update() {
    const uint64_t now = clock_.now();
    if (running() && !clock_.armed(update_timer_) && second_of(now) > second_of(uf_since_)) uf_ = true;
    uf_since_ = now;
}

// The update timer runs at every second boundary only while UIE or AIE can make the update an
// interrupt (alarms are matched then): an RTC nobody listens to schedules no events, so a
// halted CPU with nothing else to wake it still ends the run. UF alone is computed lazily.
// The periodic timer runs only when PIE makes its edges interrupts.
void Rtc::arm_timers() {
    const uint64_t now = clock_.now();
    if (running() && (regs_[REG_B] & (B_UIE | B_AIE)))
        clock_.arm(update_timer_, (second_of(now) + 1) * SECOND);
    else
        clock_.disarm(update_timer_);
    const uint64_t div = periodic_divider();
    if (div && (regs_[REG_B] & B_PIE))
        clock_.arm(periodic_timer_, unscale(periodic_edges(now) + 1, CRYSTAL_HZ, SECOND * div));
    else
        clock_.disarm(periodic_timer_);
}

void Rtc::on_update() {
    uf_ = true;
    // An alarm byte with both top bits set matches any value.
    auto matches = [this](unsigned alarm, unsigned reg) {
        return (regs_[alarm] & 0xC0) == 0xC0 || regs_[alarm] == time_reg(reg);
    };
    if (matches(SEC_ALARM, SEC) && matches(MIN_ALARM, MIN) && matches(HOUR_ALARM, HOUR)) af_ = true;
    update_irq();
    arm_timers();
}

void Rtc::update_irq() {
    const uint8_t b = regs_[REG_B];
    const bool level = (periodic_flag() && (b & B_PIE)) || (af_ && (b & B_AIE)) || (uf_ && (b & B_UIE));
    if (level == irq_level_) return;
    irq_level_ = level;
    irq_(level);
}

}  // namespace jitpc::devices
