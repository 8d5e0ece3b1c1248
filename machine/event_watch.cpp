#include "machine/event_watch.h"

#include "cpu/print.h"
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
    if (int_log.on()) {
        const bool m64 = c.mode() == cpu::CpuMode::Long64;
        const uint64_t sp = m64 ? c.gpr[cpu::ESP] : uint32_t(c.gpr[cpu::ESP]);
        int_log.print("int: v=%02x e=%04x %s cpl=%u IP=%s SP=%04x:%0*llx CR2=%08llx", e.vector,
                      e.has_error ? e.error_code : 0, kind_name(e.kind), c.cpl, cpu::ip_text(c).c_str(),
                      c.seg[cpu::SS].sel, m64 ? 16 : 8, static_cast<unsigned long long>(sp),
                      static_cast<unsigned long long>(c.cr2));
    }
    // External and software interrupts between two faults (a timer tick) do not end a run of
    // them; another exception does.
    if (e.kind != cpu::EventKind::Exception) return;
    const Fault f{e.vector, c.seg[cpu::CS].sel, c.rip, e.has_error ? e.error_code : 0,
                  e.vector == cpu::VEC_PF ? c.cr2 : 0, c.mode()};
    repeats_ = f == last_ ? repeats_ + 1 : 1;
    last_ = f;
    static logging::Site stuck{logging::CONSOLE, "repeated-exception", 8};
    if (repeats_ == REPEATS)
        stuck.print("the guest took exception %u (error code %#x) at %s %llu times in a row; "
                    "-d int shows every exception",
                    f.vector, f.error_code, cpu::ip_text(f.cs, f.rip, f.mode).c_str(),
                    static_cast<unsigned long long>(REPEATS));
}

}  // namespace jitpc::machine
