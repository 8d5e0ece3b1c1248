#include "machine/event_watch.h"

#include "logging/log.h"

namespace jitpc::machine {

namespace {

const char* kind_name(cpu::EventKind k) {
    switch (k) {
    case cpu::EventKind::Exception: return "exception";
    case cpu::EventKind::Hardware: return "interrupt";
    case cpu::EventKind::Software: return "INT n";
    case cpu::EventKind::Icebp: return "INT1";
    }
    return "?";
}

}  // namespace

void EventWatch::operator()(const cpu::Cpu& c, const cpu::Cpu::Event& e) {
    static logging::Site int_log{logging::INT, "int"};
    if (int_log.on())
        int_log.print("int: v=%02x e=%04x %s cpl=%u IP=%04x:%08x SP=%04x:%08x CR2=%08x", e.vector,
                      e.has_error ? e.error_code : 0, kind_name(e.kind), c.cpl, c.seg[cpu::CS].sel,
                      uint32_t(c.rip), c.seg[cpu::SS].sel, uint32_t(c.gpr[cpu::ESP]), uint32_t(c.cr2));
    // External and software interrupts between two faults (a timer tick) do not end a run of
    // them; another exception does.
    if (e.kind != cpu::EventKind::Exception) return;
    const Fault f{e.vector, c.seg[cpu::CS].sel, c.rip, e.has_error ? e.error_code : 0,
                  e.vector == cpu::VEC_PF ? c.cr2 : 0};
    repeats_ = f == last_ ? repeats_ + 1 : 1;
    last_ = f;
    static logging::Site stuck{logging::CONSOLE, "repeated-exception", 8};
    if (repeats_ == REPEATS)
        stuck.print("the guest took exception %u (error code %#x) at %04x:%08x %llu times in a row; "
                    "-d int shows every exception",
                    f.vector, f.error_code, f.cs, uint32_t(f.rip), static_cast<unsigned long long>(REPEATS));
}

}  // namespace jitpc::machine
