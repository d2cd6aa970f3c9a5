// Reads a journal back: every complete record, then a clean stop at the first
// torn or corrupt chunk, with where and why. Never trusts the bytes it reads.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "journal_format.h"

namespace runlog::journal {

// Reads up to cap bytes at offset into buf; returns the number read, 0 at the
// end, or -1 on an I/O error.
using ByteSource = std::function<long long(uint64_t offset, uint8_t *buf, size_t cap)>;

struct Record {
    RecordKind kind{};
    std::string json;    // the payload after the kind byte
    uint64_t offset = 0; // where the record's first chunk starts
};

enum class StopReason {
    End,         // clean end of the journal
    TornTail,    // the journal ends inside a record (a crash mid-write): normal
    Corrupt,     // a complete chunk failed its checksum or framing checks
    BadHeader,   // not a runlog journal, or a format version this build can't read
    IoError,     // the byte source failed
};
const char *stop_reason_name(StopReason reason);

struct ReadSummary {
    StopReason reason = StopReason::End;
    uint64_t records = 0;
    uint64_t good_offset = 0;   // end of the last complete record: resume appends here
    uint64_t stop_offset = 0;   // where the problem starts
    uint64_t bytes_after = 0;   // bytes from stop_offset to the end that were not read as records
    std::string detail;         // human-readable description of the stop
};

class Reader {
public:
    explicit Reader(ByteSource source) : source_(std::move(source)) {}

    // Next complete record; false when the journal stops (see summary()).
    bool next(Record &out);
    const ReadSummary &summary() const { return summary_; }
    // After a stop at the end (End or TornTail) of a journal that is still
    // growing: read on from the last complete record next time.
    void continue_after_end();

private:
    bool fill_block(uint64_t block_start);
    bool stop(StopReason reason, uint64_t at, std::string detail);
    bool rest_is_zero_or_missing(uint64_t from);
    uint64_t source_size();

    ByteSource source_;
    ReadSummary summary_;
    std::string block_;          // current block's bytes (shorter at the end)
    uint64_t block_start_ = 0;
    bool block_loaded_ = false;
    uint64_t pos_ = 0;           // absolute position of the next chunk
    bool header_checked_ = false;
    bool done_ = false;
};

// A ByteSource over a file (core/native); an empty function if the file cannot
// be opened, with the reason in *error.
ByteSource file_source(const std::string &path, std::string *error);
// A ByteSource over bytes held in memory (tests, fuzzing).
ByteSource memory_source(const std::string &bytes);

}  // namespace runlog::journal
