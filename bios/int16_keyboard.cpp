// INT 16h and the keyboard interrupt (IRQ 1). The ROM's IRQ 1 handler traps here; the byte is
// taken from the i8042 (which translates to set 1), the shift state is kept in the BIOS Data
// Area and keys go into the BDA's ring buffer as (scan code << 8 | ASCII) words, where INT 16h
// and programs that read the BDA directly find them. Not provided: Ctrl+Break, Pause, SysRq,
// Print Screen, Ctrl+Alt+Del, Alt+keypad character entry, the keyboard LEDs and the INT 15h
// AH=4Fh intercept.
#include "bios/bda.h"
#include "bios/bios.h"
#include "bios/keymap_us.h"

namespace jitpc::bios {

namespace {

// BDA 0x417.
constexpr uint8_t RIGHT_SHIFT = 0x01, LEFT_SHIFT = 0x02, CTRL = 0x04, ALT = 0x08,
                  SCROLL_LOCK = 0x10, NUM_LOCK = 0x20, CAPS_LOCK = 0x40, INSERT = 0x80;
// BDA 0x418: the keys held down (the lock keys' bits line up with 0x417's).
constexpr uint8_t LEFT_CTRL_DOWN = 0x01, LEFT_ALT_DOWN = 0x02, SYSREQ_DOWN = 0x04;
// BDA 0x496.
constexpr uint8_t LAST_E1 = 0x01, LAST_E0 = 0x02, RIGHT_CTRL_DOWN = 0x04, RIGHT_ALT_DOWN = 0x08;

constexpr uint8_t BREAK = 0x80;

// The BDA's key ring: words from `start` to `end` (offsets from 0x400), empty when head ==
// tail, full when one more word would make them meet.
class KeyRing {
public:
    explicit KeyRing(RealModeCall& call) : call_(call) {
        start_ = get(bda::KBD_START);
        end_ = get(bda::KBD_END);
        if (start_ < bda::KBD_BUFFER || end_ <= start_ + 2 || (end_ - start_) % 2) {
            start_ = bda::KBD_BUFFER;  // not set up (yet): the default ring
            end_ = bda::KBD_BUFFER_END;
        }
        head_ = get(bda::KBD_HEAD);
        tail_ = get(bda::KBD_TAIL);
        if (!inside(head_) || !inside(tail_)) head_ = tail_ = start_;
    }

    bool empty() const { return head_ == tail_; }
    uint16_t front() const { return get(head_); }
    void pop() {
        head_ = next(head_);
        set(bda::KBD_HEAD, head_);
        set(bda::KBD_TAIL, tail_);
    }
    bool push(uint16_t key) {
        if (next(tail_) == head_) return false;
        set(tail_, key);
        tail_ = next(tail_);
        set(bda::KBD_HEAD, head_);
        set(bda::KBD_TAIL, tail_);
        return true;
    }

private:
    bool inside(uint16_t off) const {
        return off >= start_ && off < end_ && (off - start_) % 2 == 0;
    }
    uint16_t next(uint16_t off) const { return off + 2 == end_ ? start_ : uint16_t(off + 2); }
    uint16_t get(uint16_t off) const { return call_.read<uint16_t>(bda::SEGMENT, off); }
    void set(uint16_t off, uint16_t v) { call_.write<uint16_t>(bda::SEGMENT, off, v); }

    RealModeCall& call_;
    uint16_t start_, end_, head_, tail_;
};

// The (scan, ASCII) word a make code gives under the current shift state, or 0.
uint16_t translate(uint8_t make, bool extended, uint8_t flags) {
    const KeyCodes k = extended ? extended_key_codes(make) : key_codes(make);
    if (flags & ALT) return k.alt;
    if (flags & CTRL) return k.ctrl;
    bool shifted = flags & (LEFT_SHIFT | RIGHT_SHIFT);
    if (!extended && is_letter(make) && (flags & CAPS_LOCK)) shifted = !shifted;
    if (!extended && is_keypad_digit(make)) shifted = shifted != bool(flags & NUM_LOCK);
    return shifted ? k.shift : k.normal;
}

// The functions of the 83/84-key interface (AH=00h-02h) see a key as that keyboard sent it:
// the grey keys' 0xE0 becomes 0, keypad Enter and / their main-block codes, and keys that
// keyboard did not have are dropped (false).
bool to_classic(uint16_t& key) {
    const uint8_t scan = uint8_t(key >> 8), ascii = uint8_t(key);
    if (scan == 0xE0) {
        key = uint16_t((ascii == '/' ? 0x35 : 0x1C) << 8 | ascii);
        return true;
    }
    if (scan > 0x84) return false;
    if (ascii == 0xE0 && scan != 0) key = uint16_t(scan << 8);
    return true;
}

}  // namespace

void Bios::keyboard_irq(RealModeCall& call) {
    const uint8_t byte = uint8_t(bus_.io_read(0x60, 1));
    uint8_t f1 = call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS1);
    uint8_t f2 = call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS2);
    uint8_t f3 = call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS3);
    auto store = [&] {
        call.write<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS1, f1);
        call.write<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS2, f2);
        call.write<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS3, f3);
    };
    if (byte == 0xE0 || byte == 0xE1) {
        f3 = uint8_t((f3 & ~(LAST_E0 | LAST_E1)) | (byte == 0xE0 ? LAST_E0 : LAST_E1));
        return store();
    }
    const bool extended = f3 & LAST_E0;
    const bool pause = f3 & LAST_E1;
    f3 &= uint8_t(~LAST_E0);
    const uint8_t make = byte & 0x7F;
    const bool down = !(byte & BREAK);
    if (pause) {  // E1 1D 45 E1 9D C5: the sequence ends with Num Lock's code
        if (make == 0x45) f3 &= uint8_t(~LAST_E1);
        return store();
    }
    auto hold = [down](uint8_t& flags, uint8_t bit) {
        flags = down ? (flags | bit) : (flags & ~bit);
    };
    // A lock key toggles on its first make only (typematic repeats keep its down bit set).
    auto lock = [&](uint8_t bit) {
        if (down && !(f2 & bit)) f1 ^= bit;
        hold(f2, bit);
    };
    switch (make) {
    case 0x2A:
    case 0x36:
        // The keyboard's own shift wrappers around grey keys (E0 2A, E0 36) are not shifts.
        if (!extended) hold(f1, make == 0x2A ? LEFT_SHIFT : RIGHT_SHIFT);
        return store();
    case 0x1D:
    case 0x38: {
        const bool ctrl = make == 0x1D;
        hold(extended ? f3 : f2, ctrl ? (extended ? RIGHT_CTRL_DOWN : LEFT_CTRL_DOWN)
                                      : (extended ? RIGHT_ALT_DOWN : LEFT_ALT_DOWN));
        const bool any = ctrl ? (f2 & LEFT_CTRL_DOWN) || (f3 & RIGHT_CTRL_DOWN)
                              : (f2 & LEFT_ALT_DOWN) || (f3 & RIGHT_ALT_DOWN);
        f1 = any ? (f1 | (ctrl ? CTRL : ALT)) : (f1 & ~(ctrl ? CTRL : ALT));
        return store();
    }
    case 0x3A: lock(CAPS_LOCK); return store();
    case 0x45: lock(NUM_LOCK); return store();
    case 0x46: lock(SCROLL_LOCK); return store();
    case 0x54: hold(f2, SYSREQ_DOWN); return store();
    default: break;
    }
    if (make == 0x52) {  // Insert, unless the keypad key is typing a 0
        const bool digit = !extended && !(f1 & NUM_LOCK) != !(f1 & (LEFT_SHIFT | RIGHT_SHIFT));
        if (down && !(f2 & INSERT) && !digit) f1 ^= INSERT;
        hold(f2, INSERT);
    }
    store();
    if (!down) return;
    if (const uint16_t key = translate(make, extended, f1)) KeyRing(call).push(key);
}

void Bios::keyboard(RealModeCall& call) {
    const uint8_t fn = call.ah();
    const bool classic = fn < 0x10;
    KeyRing ring(call);
    // The next key this interface can see (dropping the ones it cannot), if any.
    auto next = [&](uint16_t& key) {
        for (; !ring.empty(); ring.pop()) {
            key = ring.front();
            if (!classic || to_classic(key)) return true;
        }
        return false;
    };
    uint16_t key = 0;
    switch (fn) {
    case 0x00:
    case 0x10:
        if (!next(key)) return call.retry_after_interrupt();
        ring.pop();
        return call.set_reg16(cpu::EAX, key);
    case 0x01:
    case 0x11: {
        const bool have = next(key);
        call.set_zf(!have);
        if (have) call.set_reg16(cpu::EAX, key);
        return;
    }
    case 0x02: return call.set_al(call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS1));
    case 0x12: {
        const uint8_t f2 = call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS2);
        const uint8_t f3 = call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS3);
        const uint8_t held = uint8_t((f2 & (LEFT_CTRL_DOWN | LEFT_ALT_DOWN)) |
                                     (f3 & (RIGHT_CTRL_DOWN | RIGHT_ALT_DOWN)) |
                                     (f2 & (SCROLL_LOCK | NUM_LOCK | CAPS_LOCK)) |
                                     ((f2 & SYSREQ_DOWN) ? 0x80 : 0));
        call.set_ah(held);
        call.set_al(call.read<uint8_t>(bda::SEGMENT, bda::KBD_FLAGS1));
        return;
    }
    case 0x03: return;  // the typematic rate is the keyboard's; the host repeats keys itself
    case 0x05: return call.set_al(ring.push(call.reg16(cpu::ECX)) ? 0 : 1);
    default: return unsupported(call, 0x16, fn);
    }
}

}  // namespace jitpc::bios
