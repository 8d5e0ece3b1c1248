#include "devices/fw_cfg.h"

#include <algorithm>
#include <stdexcept>

namespace jitpc::devices {

namespace {

// FW_CFG_ID feature bits and the DMA control word (in the DMA access structure, big-endian).
constexpr uint32_t FEATURE_TRADITIONAL = 1u << 0, FEATURE_DMA = 1u << 1;
constexpr uint32_t DMA_ERROR = 1u << 0, DMA_READ = 1u << 1, DMA_SKIP = 1u << 2,
                   DMA_SELECT = 1u << 3, DMA_WRITE = 1u << 4;
constexpr char DMA_SIGNATURE[] = "QEMU CFG";
constexpr uint16_t KEY_MASK = 0x3FFF;  // bit 14 asks for write mode, bit 15 is the arch bit
constexpr uint16_t ARCH_KEYS = 0x8000;

void put_be(std::vector<uint8_t>& out, uint64_t v, unsigned n) {
    for (unsigned i = n; i-- > 0;) out.push_back(uint8_t(v >> (8 * i)));
}

uint64_t get_be(const uint8_t* p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = v << 8 | p[i];
    return v;
}

}  // namespace

FwCfg::FwCfg(memory::PhysMemory& mem) : mem_(mem) {
    add(SIGNATURE, {'Q', 'E', 'M', 'U'});
    const uint32_t id = FEATURE_TRADITIONAL | FEATURE_DMA;
    add(ID, {uint8_t(id), uint8_t(id >> 8), uint8_t(id >> 16), uint8_t(id >> 24)});
    add(FILE_DIR, {0, 0, 0, 0});
}

void FwCfg::add(uint16_t key, std::vector<uint8_t> data) { items_[key] = std::move(data); }

void FwCfg::add_file(const std::string& name, std::vector<uint8_t> data) {
    if (name.size() >= FILE_NAME_SIZE) throw std::logic_error("fw_cfg file name too long: " + name);
    const uint16_t key = next_file_key_++;
    std::vector<uint8_t>& dir = items_[FILE_DIR];
    const uint32_t count = uint32_t(get_be(dir.data(), 4)) + 1;
    for (unsigned i = 0; i < 4; ++i) dir[i] = uint8_t(count >> (8 * (3 - i)));
    put_be(dir, data.size(), 4);
    put_be(dir, key, 2);
    put_be(dir, 0, 2);
    const size_t at = dir.size();
    dir.resize(at + FILE_NAME_SIZE, 0);
    std::copy(name.begin(), name.end(), dir.begin() + long(at));
    add(key, std::move(data));
}

const std::vector<uint8_t>* FwCfg::item() const {
    auto it = items_.find(key_);
    return it == items_.end() ? nullptr : &it->second;
}

bool FwCfg::position_fits() const {
    return key_ == (key_ & (KEY_MASK | ARCH_KEYS)) && offset_ <= (item() ? item()->size() : 0);
}

void FwCfg::select(uint16_t key) {
    key_ = key & (KEY_MASK | ARCH_KEYS);
    offset_ = 0;
}

uint8_t FwCfg::read_byte() {
    const std::vector<uint8_t>* it = item();
    if (!it || offset_ >= it->size()) return 0;
    return (*it)[offset_++];
}

uint32_t FwCfg::port_read(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
        const unsigned p = port + i;
        uint8_t b = 0;
        if (p == DATA) b = read_byte();
        else if (p >= DMA && p < DMA + 8u) b = uint8_t(DMA_SIGNATURE[p - DMA]);
        v |= uint32_t(b) << (8 * i);
    }
    return v;
}

void FwCfg::port_write(uint16_t port, unsigned size, uint32_t value) {
    if (port == SELECTOR && size >= 2) {
        select(uint16_t(value));
        return;
    }
    if (port < DMA) return;  // the data port is read-only, as in QEMU since 2.4
    bool low_half = false;
    for (unsigned i = 0; i < size; ++i) {
        const unsigned at = port + i - DMA;
        if (at >= 8) break;
        dma_addr_[at] = uint8_t(value >> (8 * i));
        low_half |= at == 7;
    }
    if (!low_half) return;
    const uint64_t addr = get_be(dma_addr_, 8);
    std::fill(std::begin(dma_addr_), std::end(dma_addr_), 0);
    run_dma(addr);
}

// The access structure: control, length (both 32-bit) and address (64-bit), big-endian. The
// device writes control back: 0 when done, the error bit when not.
void FwCfg::run_dma(uint64_t addr) {
    if (addr > memory::PHYS_LIMIT - 16) return;  // no memory up there to hold the structure
    uint8_t raw[16];
    mem_.read_bytes(addr, raw, sizeof raw);
    const uint32_t control = uint32_t(get_be(raw, 4));
    uint32_t length = uint32_t(get_be(raw + 4, 4));
    const uint64_t target = get_be(raw + 8, 8);
    if (control & DMA_SELECT) select(uint16_t(control >> 16));
    uint32_t result = 0;
    if (control & DMA_WRITE) {
        result = DMA_ERROR;
    } else if (control & (DMA_READ | DMA_SKIP)) {
        if (target > memory::PHYS_LIMIT - length) {
            result = DMA_ERROR;
        } else {
            const std::vector<uint8_t>* it = item();
            const uint32_t have = it && offset_ < it->size() ? uint32_t(it->size() - offset_) : 0;
            const uint32_t n = std::min(have, length);
            if (control & DMA_READ) {
                if (n) mem_.write_bytes(target, it->data() + offset_, n);
                static constexpr uint8_t zeros[4096] = {};
                for (uint32_t done = n; done < length;) {  // past the item's end
                    const uint32_t chunk = std::min<uint32_t>(length - done, sizeof zeros);
                    mem_.write_bytes(target + done, zeros, chunk);
                    done += chunk;
                }
            }
            offset_ += n;
        }
    }
    const uint8_t done[4] = {uint8_t(result >> 24), uint8_t(result >> 16), uint8_t(result >> 8), uint8_t(result)};
    mem_.write_bytes(addr, done, sizeof done);
}

}  // namespace jitpc::devices
