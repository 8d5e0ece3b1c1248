#include "snapshot/snapshot.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <type_traits>

#include <zlib.h>

#include "logging/log.h"
#include "replay/checksum.h"
#include "replay/log_file.h"
#include "replay/session.h"
#include "snapshot/archive.h"

namespace jitpc::snapshot {

namespace {

constexpr char MAGIC[8] = {'J', 'I', 'T', 'P', 'C', 'S', 'V', '\n'};
constexpr uint64_t PAGE = memory::PAGE_SIZE;

static_assert(std::is_trivially_copyable_v<cpu::CpuState> && std::is_trivially_copyable_v<cpu::FpuState> &&
              std::is_trivially_copyable_v<cpu::SseState>);

// The pages `used` of RAM at `base` as one zlib stream (the fastest level: a Linux guest's
// 40 MB take a fraction of a second), and back.
std::string deflate_pages(const uint8_t* base, const std::vector<uint64_t>& used) {
    z_stream z{};
    if (deflateInit(&z, Z_BEST_SPEED) != Z_OK) throw std::runtime_error("savevm: zlib failed");
    std::string out;
    char buf[1 << 16];
    for (size_t i = 0; i <= used.size(); ++i) {
        const bool last = i == used.size();
        z.next_in = last ? nullptr : const_cast<uint8_t*>(base + used[i] * PAGE);
        z.avail_in = last ? 0 : uInt(PAGE);
        int rc;
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf);
            z.avail_out = sizeof buf;
            rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
            out.append(buf, sizeof buf - z.avail_out);
        } while (z.avail_out == 0 || (last && rc != Z_STREAM_END));
    }
    deflateEnd(&z);
    return out;
}

void inflate_pages(const std::string& in, uint8_t* base, const std::vector<uint64_t>& used) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) throw std::runtime_error("zlib failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    int rc = Z_OK;
    for (size_t i = 0; i < used.size() && rc == Z_OK; ++i) {
        z.next_out = base + used[i] * PAGE;
        z.avail_out = uInt(PAGE);
        while (z.avail_out && rc == Z_OK) rc = inflate(&z, Z_NO_FLUSH);
        if (z.avail_out) rc = Z_DATA_ERROR;
    }
    if (rc == Z_OK) {  // every page is out: the stream must end here
        uint8_t extra;
        z.next_out = &extra;
        z.avail_out = 1;
        rc = inflate(&z, Z_FINISH);
        if (z.avail_out == 0) rc = Z_DATA_ERROR;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || z.avail_in) throw std::runtime_error("the compressed RAM pages are damaged");
}

// RAM as the numbers of the pages that are not all zero and their bytes, compressed.
template <class A> void ram(A& a, machine::Machine& m) {
    uint8_t* base = m.mem.ram();
    const uint64_t pages = m.mem.layout().total() / PAGE;
    if constexpr (!A::loading) {
        static const uint8_t zero[PAGE] = {};
        std::vector<uint64_t> used;
        for (uint64_t p = 0; p < pages; ++p)
            if (std::memcmp(base + p * PAGE, zero, PAGE) != 0) used.push_back(p);
        std::string packed = deflate_pages(base, used);
        a(used, packed);
    } else {
        std::vector<uint64_t> used;
        std::string packed;
        a(used, packed);
        std::vector<bool> keep(pages);
        for (const uint64_t p : used) {
            if (p >= pages) throw std::runtime_error("a RAM page beyond this machine's RAM");
            if (keep[p]) throw std::runtime_error("a RAM page twice");
            keep[p] = true;
        }
        static const uint8_t zero[PAGE] = {};
        for (uint64_t p = 0; p < pages; ++p)  // only pages that hold something: untouched RAM stays uncommitted
            if (!keep[p] && std::memcmp(base + p * PAGE, zero, PAGE) != 0) {
                std::memset(base + p * PAGE, 0, PAGE);
                m.mem.mark_dirty(p);
            }
        inflate_pages(packed, base, used);
        for (const uint64_t p : used) m.mem.mark_dirty(p);
    }
}

// What the engines take as given of a loaded CPU: a lazy-flags record they can evaluate, the
// permanent zero register, a privilege level and 0/1 flags. FlagOp::None reads no size (the
// JIT stores plain flags over a Host record and leaves its kind there).
bool cpu_fits(const cpu::CpuState& c) {
    const cpu::Flags& f = c.flags;
    const bool lazy_ok = f.op == cpu::FlagOp::None ||
                         (f.op == cpu::FlagOp::Host ? f.size <= uint8_t(cpu::HostFlags::IncDec)
                                                    : f.op < cpu::FlagOp::Host && (f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8));
    return lazy_ok && c.gpr[cpu::NUM_GPRS] == 0 && c.cpl <= 3 && c.halted <= 1 && c.a20 <= 1 && c.nmi_blocked <= 1;
}

// The sections, in file order: one name and one function listing a component's state.
// `with_ram`: RAM too (a file); a checkpoint keeps its pages itself (replay/timeline.h).
template <class A>
void sections(machine::Machine& m, bool with_ram, const std::function<void(const char*, const std::function<void(A&)>&)>& each) {
    each("cpu", [&](A& a) {
        a(static_cast<cpu::CpuState&>(m.cpu), m.cpu.fpu, m.cpu.sse);
        a.check(cpu_fits(m.cpu), "the CPU's state");
        m.cpu.mmu.snapshot(a);
    });
    each("machine", [&](A& a) { m.snapshot(a); });
    each("clock", [&](A& a) { m.clock.snapshot(a); });
    each("pic", [&](A& a) { m.pic.snapshot(a); });
    each("pit", [&](A& a) { m.pit.snapshot(a); });
    each("rtc", [&](A& a) { m.rtc.snapshot(a); });
    each("com1", [&](A& a) { m.com1.snapshot(a); });
    each("com2", [&](A& a) { m.com2.snapshot(a); });
    each("local-apic", [&](A& a) { m.lapic.snapshot(a); });
    each("io-apic", [&](A& a) { m.ioapic.snapshot(a); });
    each("i8042", [&](A& a) { m.kbc.snapshot(a); });
    each("pci", [&](A& a) { m.pci.snapshot(a); });
    each("i440fx", [&](A& a) { m.host_bridge.snapshot(a); });
    each("piix3-isa", [&](A& a) { m.isa_bridge.snapshot(a); });
    each("piix3-ide", [&](A& a) { m.ide_function.snapshot(a); });
    each("vga", [&](A& a) { m.vga.snapshot(a); });
    each("acpi-pm", [&](A& a) { m.acpi_pm.snapshot(a); });
    each("hpet", [&](A& a) { m.hpet.snapshot(a); });
    each("fw-cfg", [&](A& a) { m.fw_cfg.snapshot(a); });
    each("ide-primary", [&](A& a) { m.ide_primary.snapshot(a); });
    each("ide-secondary", [&](A& a) { m.ide_secondary.snapshot(a); });
    each("bios", [&](A& a) {
        if (m.bios) m.bios->snapshot(a);
    });
    each("disks", [&](A& a) {
        for (auto& d : m.drives.ide)
            if (d) d->snapshot(a);
        for (auto& d : m.drives.floppy)
            if (d) d->snapshot(a);
    });
    each("rom", [&](A& a) { m.mem.snapshot_roms(a); });
    if (with_ram) each("ram", [&](A& a) { ram(a, m); });
}

void put_u32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(char(v >> (8 * i)));
}

uint32_t get_u32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(s[at + i])) << (8 * i);
    return v;
}

// A frame: name, length (8 bytes), payload, CRC-32 of all of it.
void put_frame(std::string& out, const std::string& name, const std::string& payload) {
    replay::Encoder e;
    e.str(name);
    e.u64(payload.size());
    e.out += payload;
    put_u32(e.out, replay::crc32(e.out.data(), e.out.size()));
    out += e.out;
}

// The frame at `pos`: its name and payload; throws naming the damage.
std::pair<std::string, std::string> get_frame(const std::string& data, size_t& pos) {
    const size_t start = pos;
    auto need = [&](uint64_t n) {
        if (n > data.size() - pos) throw std::runtime_error("the file is truncated (in the section at byte " + std::to_string(start) + ")");
    };
    need(4);
    const uint32_t name_len = get_u32(data, pos);
    need(4 + uint64_t(name_len) + 8);
    const std::string name = data.substr(pos + 4, name_len);
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= uint64_t(uint8_t(data[pos + 4 + name_len + i])) << (8 * i);
    pos += 4 + name_len + 8;
    need(len);
    need(len + 4);
    const std::string payload = data.substr(pos, len);
    pos += len;
    if (replay::crc32(data.data() + start, pos - start) != get_u32(data, pos))
        throw std::runtime_error("the section '" + logging::printable(name) + "' is corrupted (checksum mismatch)");
    pos += 4;
    return {name, payload};
}

// A disk written in place keeps its state in its file, where no snapshot can hold it.
void check_disks(machine::Machine& m, const std::string& what) {
    auto check = [&](const std::unique_ptr<storage::DiskImage>& d) {
        if (d && d->mode() == storage::DiskImage::Mode::ReadWrite)
            throw std::runtime_error(what + ": '" + d->path() +
                                     "' is written in place: snapshots need its writes in memory (-snapshot)");
    };
    for (const auto& d : m.drives.ide) check(d);
    for (const auto& d : m.drives.floppy) check(d);
}

void put_sections(machine::Machine& m, bool with_ram, std::string& out) {
    sections<Saver>(m, with_ram, [&](const char* name, const std::function<void(Saver&)>& f) {
        Saver s;
        f(s);
        put_frame(out, name, s.out);
    });
}

// The sections from `pos` to the end of `data`.
void get_sections(machine::Machine& m, bool with_ram, const std::string& data, size_t& pos) {
    sections<Loader>(m, with_ram, [&](const char* want, const std::function<void(Loader&)>& f) {
        const auto [got, payload] = get_frame(data, pos);
        if (got != want) throw std::runtime_error("section '" + logging::printable(got) + "' where '" + want + "' belongs");
        Loader l(payload);
        try {
            f(l);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error("section '" + logging::printable(got) + "': " + e.what());
        }
        if (!l.done()) throw std::runtime_error("section '" + logging::printable(got) + "' is longer than its fields");
    });
    if (pos != data.size()) throw std::runtime_error("data after the last section");
}

// Nothing decoded or translated from the old contents survives, nor any translation.
void rebuild(machine::Machine& m) {
    m.cpu.mmu.flush_all();
    m.cpu.code.flush();
    ++m.cpu.code_epoch;
    m.cpu.exit_request = 1;
    m.resume_input_poll();
}

}  // namespace

std::string encode(machine::Machine& m, const std::vector<std::string>& args) {
    std::string out(MAGIC, sizeof MAGIC);
    put_frame(out, "identity", replay::encode_header(replay::identity(args, m.config())));
    put_sections(m, true, out);
    return out;
}

void save(machine::Machine& m, const std::string& path, const std::vector<std::string>& args) {
    check_disks(m, "savevm");
    const std::string out = encode(m, args);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("savevm: cannot create '" + path + "'");
    const bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
    if (std::fclose(f) != 0 || !ok) throw std::runtime_error("savevm: writing '" + path + "' failed");
}

void load(machine::Machine& m, const std::string& path, const std::vector<std::string>& args) {
    const std::string where = "loadvm " + path + ": ";
    check_disks(m, "loadvm");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(where + "cannot open it");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    decode(m, data, args, where);
}

void decode(machine::Machine& m, const std::string& data, const std::vector<std::string>& args, const std::string& where) {
    if (data.size() < sizeof MAGIC || std::memcmp(data.data(), MAGIC, sizeof MAGIC) != 0)
        throw std::runtime_error(where + "not a jitpc snapshot");
    size_t pos = sizeof MAGIC;
    try {
        const auto [name, identity] = get_frame(data, pos);
        if (name != "identity") throw std::runtime_error("it does not start with its identity");
        replay::Decoder d(identity);
        replay::check_identity("", replay::decode_header(d), args, m.config());
        get_sections(m, true, data, pos);
    } catch (const Loader::Short& e) {
        throw std::runtime_error(where + e.what());
    } catch (const replay::Decoder::Malformed& e) {
        throw std::runtime_error(where + "malformed identity: " + e.what());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(where + e.what());
    }
    rebuild(m);
}

std::string save_state(machine::Machine& m) {
    std::string out;
    put_sections(m, false, out);
    return out;
}

void load_state(machine::Machine& m, const std::string& state) {
    size_t pos = 0;
    get_sections(m, false, state, pos);
    rebuild(m);
}

int SaveAt::at_stop(machine::Machine& m) {
    count_ = UINT64_MAX;
    save(m, path_, args_);
    return GO_ON;
}

}  // namespace jitpc::snapshot
