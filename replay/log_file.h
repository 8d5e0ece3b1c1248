// Writing and reading the record/replay log (log_format.h).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "replay/log_format.h"

namespace jitpc::replay {

class LogWriter {
public:
    // Throws std::runtime_error when `path` cannot be created.
    explicit LogWriter(const std::string& path);
    ~LogWriter();
    LogWriter(const LogWriter&) = delete;
    LogWriter& operator=(const LogWriter&) = delete;

    void header(const Header& h);
    void input(const InputRecord& r);
    void state(const StateRecord& r);
    // The last frame; the file is complete and closed after it. Throws when the write failed.
    void end(const EndRecord& r);

private:
    void frame(FrameKind kind, uint64_t count, const std::string& payload);
    std::string path_;
    std::FILE* f_ = nullptr;
};

// The Header frame's payload (also a snapshot's identity, snapshot/snapshot.h). decode_header
// throws std::runtime_error for another format version, Decoder::Malformed for a short one.
std::string encode_header(const Header& h);
Header decode_header(Decoder& d);

struct Log {
    Header header;
    std::vector<InputRecord> inputs;
    std::vector<StateRecord> states;
    EndRecord end;
};

// Reads and checks a whole log: every frame's CRC, their order, and that it ends with its End
// frame. Throws std::runtime_error with one line naming what is wrong and the instruction count
// where (the caller prefixes the option and path).
Log read_log(const std::string& path);

}  // namespace jitpc::replay
