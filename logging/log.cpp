#include "logging/log.h"

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace jitpc::logging {

namespace {

struct ItemName {
    const char* name;
    Item item;
};

constexpr ItemName ITEMS[] = {
    {"int", INT}, {"guest_errors", GUEST_ERRORS}, {"unimp", UNIMP}, {"trace", TRACE}, {"jit_fallback", JIT_FALLBACK},
    {"in_asm", IN_ASM}, {"out_asm", OUT_ASM}, {"serial", SERIAL}};

unsigned enabled_items = 0;
struct Range {
    uint64_t first, last;
};
std::vector<Range> filter;  // empty: every address
std::FILE* item_output = nullptr;
Site* suppressing = nullptr;  // sites over their budget, most recent first

}  // namespace

unsigned parse_items(const std::string& list) {
    unsigned items = 0;
    size_t start = 0;
    for (;;) {
        const size_t comma = list.find(',', start);
        const std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
        bool known = false;
        for (const ItemName& i : ITEMS)
            if (name == i.name) {
                items |= i.item;
                known = true;
            }
        if (!known)
            throw std::runtime_error("-d: unknown log item '" + name + "' (-d help lists them)");
        if (comma == std::string::npos) return items;
        start = comma + 1;
    }
}

const char* items_help() {
    return "Log items (-d ITEM[,ITEM...]; lines go to the -D file, else stderr):\n"
           "int           every exception and interrupt: vector, error code, CS:EIP\n"
           "guest_errors  what the guest does wrong: unclaimed I/O ports, unmapped physical memory,\n"
           "              misuse of the BIOS trap port\n"
           "unimp         what jitpc does not model: BIOS calls, ATA/ATAPI and i8042 commands,\n"
           "              8259 modes, ACPI sleep states\n"
           "trace         every instruction: CS:EIP, disassembly, registers\n"
           "jit_fallback  at exit: how many times translated code ran each instruction through the\n"
           "              interpreter's semantics, by mnemonic and reason, most first\n"
           "in_asm        the guest instructions of each block the JIT translates\n"
           "out_asm       the host code of each translation, under the guest instruction it was\n"
           "              emitted for, with its size (-dfilter RANGES limits both to some blocks)\n"
           "serial        each line the guest sends out of COM1 or COM2, with the retired\n"
           "              instructions and virtual time at its newline\n";
}

void set_filter(const std::string& list) {
    filter.clear();
    size_t start = 0;
    for (;;) {
        const size_t comma = list.find(',', start);
        const std::string spec = list.substr(start, comma == std::string::npos ? comma : comma - start);
        auto bad = [&] { return std::runtime_error("-dfilter: '" + spec + "' is not START+SIZE, START-SIZE or START..END"); };
        auto number = [&](const std::string& t) {
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(t.c_str(), &end, 0);
            if (t.empty() || *end || errno || t[0] == '-' || t[0] == '+') throw bad();
            return uint64_t(v);
        };
        const size_t dots = spec.find(".."), op = spec.find_first_of("+-", 1);
        Range r;
        if (dots != std::string::npos) {
            r = {number(spec.substr(0, dots)), number(spec.substr(dots + 2))};
        } else if (op != std::string::npos) {
            const uint64_t at = number(spec.substr(0, op)), size = number(spec.substr(op + 1));
            if (!size) throw bad();
            r = spec[op] == '+' ? Range{at, at + (size - 1)} : Range{at - (size - 1), at};
            if (spec[op] == '+' ? r.last < at : r.first > at) throw bad();  // wrapped
        } else {
            throw bad();
        }
        if (r.last < r.first) throw bad();
        filter.push_back(r);
        if (comma == std::string::npos) return;
        start = comma + 1;
    }
}

bool address_wanted(uint64_t addr) {
    if (filter.empty()) return true;
    for (const Range& r : filter)
        if (addr >= r.first && addr <= r.last) return true;
    return false;
}

void configure(unsigned items, std::FILE* out) {
    enabled_items = items;
    item_output = out;
}

bool enabled(Item item) { return item == CONSOLE || (enabled_items & item); }

std::FILE* output(Item item) { return item != CONSOLE && item_output ? item_output : stderr; }

void Site::print(const char* fmt, ...) {
    if (!on()) return;
    if (printed_ >= budget_) {
        if (suppressed_++ == 0) {
            next_ = suppressing;
            suppressing = this;
        }
        return;
    }
    ++printed_;
    std::FILE* out = output(item_);
    std::va_list args;
    va_start(args, fmt);
    std::fputs("jitpc: ", out);
    std::vfprintf(out, fmt, args);
    std::fputc('\n', out);
    va_end(args);
}

void report_suppressed() {
    for (Site* s = suppressing; s; s = s->next_) {
        std::fprintf(output(s->item_), "jitpc: %llu more %s messages suppressed\n",
                     static_cast<unsigned long long>(s->suppressed_), s->what_);
        s->suppressed_ = 0;
    }
    suppressing = nullptr;
}

std::string printable(std::string s) {
    for (char& c : s)
        if (uint8_t(c) < 0x20 || uint8_t(c) >= 0x7F) c = '?';
    return s;
}

}  // namespace jitpc::logging
