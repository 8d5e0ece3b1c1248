#include "profile/symbols.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace jitpc::profile {

namespace {

// A symbol file larger than this is refused rather than read into memory (a vmlinux with its
// debug information is a few hundred MiB).
constexpr size_t MAX_FILE = size_t(2) << 30;

// Little-endian fields at checked offsets of an ELF image.
struct ElfView {
    const std::vector<uint8_t>& f;
    const std::string& path;
    std::runtime_error bad(const std::string& why) const {
        return std::runtime_error(path + ": bad ELF file: " + why);
    }
    bool fits(uint64_t off, uint64_t len) const { return off <= f.size() && len <= f.size() - off; }
    uint64_t get(uint64_t off, unsigned bytes) const {
        if (!fits(off, bytes)) throw bad("a field past the end of the file");
        uint64_t v = 0;
        for (unsigned i = bytes; i-- > 0;) v = v << 8 | f[off + i];
        return v;
    }
};

constexpr uint32_t SHT_SYMTAB = 2;
constexpr unsigned STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;

}  // namespace

Symbols Symbols::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("--symbols: cannot open '" + path + "'");
    in.seekg(0, std::ios::end);
    const std::streamoff len = in.tellg();
    if (len < 0 || uint64_t(len) > MAX_FILE) throw std::runtime_error(path + ": too large for a symbol file");
    in.seekg(0);
    std::vector<uint8_t> file(static_cast<size_t>(len));
    if (!in.read(reinterpret_cast<char*>(file.data()), len))
        throw std::runtime_error("--symbols: cannot read '" + path + "'");
    Symbols s = file.size() >= 4 && std::memcmp(file.data(), "\x7F" "ELF", 4) == 0 ? from_elf(path, file)
                                                                                 : from_map(path, file);
    s.sort();
    return s;
}

Symbols Symbols::from_elf(const std::string& path, const std::vector<uint8_t>& file) {
    const ElfView e{file, path};
    const unsigned cls = unsigned(e.get(4, 1));  // 1: ELF32, 2: ELF64
    if (cls != 1 && cls != 2) throw e.bad("neither ELF32 nor ELF64");
    if (e.get(5, 1) != 1) throw e.bad("not little-endian");
    const bool is64 = cls == 2;
    const uint64_t shoff = e.get(is64 ? 0x28 : 0x20, is64 ? 8 : 4);
    const uint64_t shentsize = e.get(is64 ? 0x3A : 0x2E, 2);
    const uint64_t shnum = e.get(is64 ? 0x3C : 0x30, 2);
    const uint64_t want_shent = is64 ? 64 : 40;
    if (shnum == 0) throw e.bad("no section headers (a stripped or raw image has no symbols)");
    if (shentsize < want_shent || !e.fits(shoff, shnum * shentsize)) throw e.bad("section headers outside the file");
    auto section = [&](uint64_t i, unsigned field) {  // field: 0 type, 1 offset, 2 size, 3 link, 4 entsize
        const uint64_t h = shoff + i * shentsize;
        switch (field) {
        case 0: return e.get(h + 4, 4);
        case 1: return is64 ? e.get(h + 0x18, 8) : e.get(h + 0x10, 4);
        case 2: return is64 ? e.get(h + 0x20, 8) : e.get(h + 0x14, 4);
        case 3: return is64 ? e.get(h + 0x28, 4) : e.get(h + 0x18, 4);
        default: return is64 ? e.get(h + 0x38, 8) : e.get(h + 0x24, 4);
        }
    };
    Symbols out;
    bool found = false;
    for (uint64_t i = 0; i < shnum; ++i) {
        if (section(i, 0) != SHT_SYMTAB) continue;
        found = true;
        const uint64_t off = section(i, 1), size = section(i, 2), ent = section(i, 4), link = section(i, 3);
        const uint64_t want_ent = is64 ? 24 : 16;
        if (ent < want_ent || !e.fits(off, size)) throw e.bad(".symtab outside the file");
        if (link >= shnum) throw e.bad(".symtab links to no string table");
        const uint64_t stroff = section(link, 1), strsize = section(link, 2);
        if (!e.fits(stroff, strsize)) throw e.bad("its string table outside the file");
        for (uint64_t s = off; s + ent <= off + size; s += ent) {
            const uint64_t name = e.get(s, 4);
            const unsigned info = unsigned(e.get(is64 ? s + 4 : s + 12, 1));
            const uint64_t shndx = e.get(is64 ? s + 6 : s + 14, 2);
            const uint64_t value = is64 ? e.get(s + 8, 8) : e.get(s + 4, 4);
            const uint64_t sz = is64 ? e.get(s + 16, 8) : e.get(s + 8, 4);
            if (name >= strsize) throw e.bad("a symbol name outside its string table");
            const uint8_t* str = file.data() + stroff + name;
            const void* nul = std::memchr(str, 0, strsize - name);
            if (!nul) throw e.bad("a symbol name without its terminating NUL");
            const unsigned type = info & 0xF;
            if (shndx == 0 || str == nul || (type != STT_NOTYPE && type != STT_FUNC && type != STT_OBJECT)) continue;
            out.syms_.push_back({value, sz, std::string(reinterpret_cast<const char*>(str),
                                                        static_cast<const uint8_t*>(nul) - str)});
        }
    }
    if (!found) throw e.bad("no .symtab (stripped)");
    return out;
}

Symbols Symbols::from_map(const std::string& path, const std::vector<uint8_t>& file) {
    Symbols out;
    size_t line_no = 0;
    for (size_t at = 0; at < file.size();) {
        const auto eol = std::find(file.begin() + at, file.end(), '\n');
        std::string line(file.begin() + at, eol);
        at = size_t(eol - file.begin()) + 1;
        ++line_no;
        if (line.empty()) continue;
        // ADDRESS TYPE NAME: hexadecimal digits, one type letter, a name without spaces; in
        // /proc/kallsyms a module's symbols add a tab and "[module]", kept in the name.
        if (const size_t tab = line.find('\t'); tab != std::string::npos && line.size() > tab + 2 &&
                                                 line[tab + 1] == '[' && line.back() == ']')
            line[tab] = ' ';
        const size_t sp1 = line.find(' ');
        const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
        auto bad = [&] {
            return std::runtime_error(path + ": line " + std::to_string(line_no) +
                                      " is not a System.map line (ADDRESS TYPE NAME)");
        };
        if (sp1 == 0 || sp1 > 16 || sp2 != sp1 + 2 || sp2 + 1 >= line.size() ||
            line.find_first_not_of("0123456789abcdefABCDEF") != sp1 ||
            line.find_first_of(" \t\r", sp2 + 1) < line.find(" [", sp2 + 1))
            throw bad();
        const char type = line[sp1 + 1];
        // Text and data symbols; absolute values and the rest are no guest addresses to name.
        if (std::string("TtWwDdBbRr").find(type) == std::string::npos) continue;
        out.syms_.push_back({std::stoull(line.substr(0, sp1), nullptr, 16), 0, line.substr(sp2 + 1)});
    }
    return out;
}

void Symbols::sort() {
    std::stable_sort(syms_.begin(), syms_.end(), [](const Symbol& a, const Symbol& b) { return a.addr < b.addr; });
}

const Symbol* Symbols::find(uint64_t addr) const {
    auto it = std::upper_bound(syms_.begin(), syms_.end(), addr, [](uint64_t a, const Symbol& s) { return a < s.addr; });
    if (it == syms_.begin()) return nullptr;
    const auto next = it;
    --it;
    // Of several symbols at one address, prefer one with a size (a function over a label).
    const Symbol* best = &*it;
    for (auto j = it; j->addr == it->addr; --j) {
        if (j->size) best = &*j;
        if (j == syms_.begin()) break;
    }
    if (best->size) return addr - best->addr < best->size ? best : nullptr;
    return next != syms_.end() || addr == best->addr ? best : nullptr;
}

}  // namespace jitpc::profile
