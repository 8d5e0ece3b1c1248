// The host log: every message a guest can cause goes through here. Messages belong to a
// QEMU-style -d item (int, guest_errors, unimp) and are shown only when that item is on, to the
// -D file or stderr; hints about a stuck guest belong to the console and always go to stderr.
// Each call site is a Site with its own line budget, so nothing a guest does makes host output
// grow without bound: past the budget lines are counted, and report_suppressed() says how many
// at exit ("N more ... suppressed").
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace jitpc::logging {

enum Item : unsigned {
    CONSOLE = 0,  // not a -d item: always on, to stderr
    INT = 1u << 0,
    GUEST_ERRORS = 1u << 1,
    UNIMP = 1u << 2,
    TRACE = 1u << 3,  // the instruction trace (machine's tracer writes it, not a Site)
    JIT_FALLBACK = 1u << 4,  // the JIT's fallback profile, printed at exit (jit/fallback_profile.h)
    IN_ASM = 1u << 5,   // the guest instructions of each translation (jit/code_dump.h)
    OUT_ASM = 1u << 6,  // the host code of each translation, by guest instruction
    SERIAL = 1u << 7,   // each line the guest sends out of a serial port, with its counts
};

// "-d LIST": a comma list of item names; throws std::runtime_error naming a bad one.
unsigned parse_items(const std::string& list);
// What "-d help" prints.
const char* items_help();

// "-dfilter LIST" (QEMU's): guest address ranges, each START+SIZE, START-SIZE (the SIZE bytes
// ending at START) or START..END (END included), numbers in C notation; the translation dumps
// (in_asm, out_asm) then show only blocks starting in one. Throws std::runtime_error naming a
// bad range.
void set_filter(const std::string& list);
// Whether output about guest address `addr` passes -dfilter (always, without one).
bool address_wanted(uint64_t addr);

// Text from a file or a client shown back to the user: control and non-ASCII bytes become '?',
// so damaged or crafted input cannot send escape sequences to a terminal.
std::string printable(std::string s);

// The items on and where their lines go (stderr when null).
void configure(unsigned items, std::FILE* out);
bool enabled(Item item);
std::FILE* output(Item item);

class Site {
public:
    // `what` names the message in the summary; `budget` lines are printed, the rest counted.
    constexpr Site(Item item, const char* what, uint32_t budget = DEFAULT_BUDGET)
        : item_(item), what_(what), budget_(budget) {}
    Site(const Site&) = delete;
    Site& operator=(const Site&) = delete;

    // Whether a line would be looked at: callers with costly arguments may test first.
    bool on() const { return enabled(item_); }
    // Whether its budget is used up (what it prints from now on is only counted).
    bool spent() const { return printed_ >= budget_; }
    // One line; "jitpc: " in front and the newline are added.
    void print(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

    // Budgets: -d items are for debugging and get many lines; console hints a few.
    static constexpr uint32_t DEFAULT_BUDGET = 100'000;

private:
    friend void report_suppressed();
    Item item_;
    const char* what_;
    uint32_t budget_;
    uint32_t printed_ = 0;
    uint64_t suppressed_ = 0;
    Site* next_ = nullptr;  // in the list of sites that suppressed something
};

// One line per site that went over its budget; called at exit.
void report_suppressed();

}  // namespace jitpc::logging
