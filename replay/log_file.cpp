#include "replay/log_file.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "replay/state_digest.h"

namespace jitpc::replay {

namespace {

constexpr size_t FRAME_HEAD = 1 + 8 + 4, FRAME_TAIL = 4;
// No honest frame comes near this: a header with every image and argument is a few KiB.
constexpr uint32_t MAX_PAYLOAD = 1u << 24;

}  // namespace

std::string encode_header(const Header& h) {
    Encoder e;
    e.u32(h.format);
    e.str(h.version);
    e.u32(uint32_t(h.args.size()));
    for (const std::string& a : h.args) e.str(a);
    e.u64(uint64_t(h.rtc_base));
    e.u64(h.state_interval);
    e.u8(h.inputs);
    e.u32(uint32_t(h.images.size()));
    for (const ImageRecord& i : h.images) {
        e.str(i.role);
        e.str(i.path);
        e.u64(i.id.size);
        e.u64(i.id.hash);
    }
    return e.out;
}

Header decode_header(Decoder& d) {
    Header h;
    h.format = d.u32();
    if (h.format != FORMAT_VERSION)
        throw std::runtime_error("the log has format version " + std::to_string(h.format) +
                                 "; this jitpc reads version " + std::to_string(FORMAT_VERSION));
    h.version = d.str();
    for (uint32_t n = d.u32(); n--;) h.args.push_back(d.str());
    h.rtc_base = int64_t(d.u64());
    h.state_interval = d.u64();
    if (h.state_interval != STATE_INTERVAL)
        throw std::runtime_error("the log states a State interval of " + std::to_string(h.state_interval) +
                                 " ticks; this jitpc uses " + std::to_string(STATE_INTERVAL));
    h.inputs = d.u8();
    for (uint32_t n = d.u32(); n--;) {
        ImageRecord i;
        i.role = d.str();
        i.path = d.str();
        i.id.size = d.u64();
        i.id.hash = d.u64();
        h.images.push_back(std::move(i));
    }
    return h;
}

namespace {

StateRecord decode_state(Decoder& d, uint64_t count) {
    StateRecord r;
    r.count = count;
    for (size_t i = 0; i < state_names().size(); ++i) r.values.push_back(d.u64());
    return r;
}

std::string count_text(uint64_t count) { return "instruction count " + std::to_string(count); }

}  // namespace

LogWriter::LogWriter(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) throw std::runtime_error("-record: cannot create '" + path + "'");
    std::fwrite(MAGIC, 1, sizeof MAGIC, f_);
}

LogWriter::~LogWriter() {
    if (f_) std::fclose(f_);
}

void LogWriter::frame(FrameKind kind, uint64_t count, const std::string& payload) {
    Encoder e;
    e.u8(uint8_t(kind));
    e.u64(count);
    e.u32(uint32_t(payload.size()));
    e.out += payload;
    e.u32(crc32(e.out.data(), e.out.size()));
    std::fwrite(e.out.data(), 1, e.out.size(), f_);
}

void LogWriter::header(const Header& h) { frame(FrameKind::Header, 0, encode_header(h)); }

void LogWriter::input(const InputRecord& r) {
    Encoder e;
    e.u8(uint8_t(r.source));
    e.u8(uint8_t(r.kind));
    e.u8(r.byte);
    frame(FrameKind::Input, r.count, e.out);
}

void LogWriter::state(const StateRecord& r) {
    Encoder e;
    for (const uint64_t v : r.values) e.u64(v);
    frame(FrameKind::State, r.count, e.out);
}

void LogWriter::end(const EndRecord& r) {
    Encoder e;
    e.u64(r.idle_ticks);
    e.u32(uint32_t(r.status));
    e.u8(r.by_host);
    for (const uint64_t v : r.state.values) e.u64(v);
    frame(FrameKind::End, r.count, e.out);
    const bool failed = std::ferror(f_) != 0;
    if (std::fclose(f_) != 0 || failed) {
        f_ = nullptr;
        throw std::runtime_error("-record: writing '" + path_ + "' failed");
    }
    f_ = nullptr;
}

Log read_log(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open '" + path + "'");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() < sizeof MAGIC || std::memcmp(data.data(), MAGIC, sizeof MAGIC) != 0)
        throw std::runtime_error("'" + path + "' is not a jitpc record/replay log");
    Log log;
    size_t pos = sizeof MAGIC;
    uint64_t last = 0;  // the count of the last good frame
    bool have_header = false, have_end = false;
    while (pos < data.size()) {
        if (have_end) throw std::runtime_error("data after the end record (" + count_text(last) + ")");
        if (data.size() - pos < FRAME_HEAD + FRAME_TAIL)
            throw std::runtime_error("the log is truncated after " + count_text(last) + " (its end record is missing)");
        const std::string head_bytes = data.substr(pos, FRAME_HEAD);
        Decoder head(head_bytes);
        const auto kind = FrameKind(head.u8());
        const uint64_t count = head.u64();
        const uint32_t length = head.u32();
        const std::string corrupted = "the log is corrupted after " + count_text(last) + ": the frame at byte " +
                                      std::to_string(pos) + " fails its checksum";
        if (length > MAX_PAYLOAD) throw std::runtime_error(corrupted);  // no writer makes it
        if (data.size() - pos - FRAME_HEAD - FRAME_TAIL < length)
            throw std::runtime_error("the log is truncated after " + count_text(last) + " (its end record is missing)");
        const size_t whole = FRAME_HEAD + length;
        uint32_t stored = 0;
        for (int i = 0; i < 4; ++i) stored |= uint32_t(uint8_t(data[pos + whole + i])) << (8 * i);
        if (crc32(data.data() + pos, whole) != stored) throw std::runtime_error(corrupted);
        const std::string payload = data.substr(pos + FRAME_HEAD, length);
        if (count < last)
            throw std::runtime_error("the log's counts go backwards after " + count_text(last));
        try {
            Decoder d(payload);
            if (!have_header && kind != FrameKind::Header)
                throw Decoder::Malformed("it does not start with its header");
            switch (kind) {
            case FrameKind::Header:
                if (have_header) throw Decoder::Malformed("a second header");
                log.header = decode_header(d);
                have_header = true;
                break;
            case FrameKind::Input: {
                InputRecord r{count, InputSource(d.u8()), InputKind(d.u8()), d.u8()};
                if (uint8_t(r.source) > 1 || uint8_t(r.kind) > 2) throw Decoder::Malformed("an unknown input");
                log.inputs.push_back(r);
                break;
            }
            case FrameKind::State:
                log.states.push_back(decode_state(d, count));
                break;
            case FrameKind::End:
                log.end.count = count;
                log.end.idle_ticks = d.u64();
                log.end.status = int32_t(d.u32());
                log.end.by_host = d.u8() != 0;
                log.end.state = decode_state(d, count);
                have_end = true;
                break;
            default: throw Decoder::Malformed("an unknown frame kind " + std::to_string(int(kind)));
            }
            if (!d.done()) throw Decoder::Malformed("a frame longer than its fields");
        } catch (const Decoder::Malformed& m) {
            throw std::runtime_error(std::string("the log is malformed at ") + count_text(count) + ": " + m.what());
        }
        last = count;
        pos += whole + FRAME_TAIL;
    }
    if (!have_end) throw std::runtime_error("the log is truncated after " + count_text(last) + " (its end record is missing)");
    return log;
}

}  // namespace jitpc::replay
