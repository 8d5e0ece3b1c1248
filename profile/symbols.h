// Guest symbols for `jitpc prof --symbols`: a System.map ("c1000000 T _text" lines, as the
// kernel's build and `nm -n` write them) or an ELF file's .symtab (32- or 64-bit,
// little-endian). Both are read with every offset and size checked against the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jitpc::profile {

struct Symbol {
    uint64_t addr;
    uint64_t size;  // 0: unknown (System.map), up to the next symbol
    std::string name;
};

class Symbols {
public:
    // Reads `path`: ELF when it starts with the ELF magic, else System.map text. Throws
    // std::runtime_error naming the file and what is wrong with it.
    static Symbols load(const std::string& path);
    // The symbol covering `addr`: the last one at or below it, within its size when the size
    // is known, else before the next symbol. nullptr when none does.
    const Symbol* find(uint64_t addr) const;
    size_t size() const { return syms_.size(); }

private:
    static Symbols from_elf(const std::string& path, const std::vector<uint8_t>& file);
    static Symbols from_map(const std::string& path, const std::vector<uint8_t>& file);
    void sort();
    std::vector<Symbol> syms_;
};

}  // namespace jitpc::profile
