// Frames records into journal bytes. Pure computation: the bytes go to a store
// plug-in (disk, IndexedDB, memory), chosen by whoever drives the core.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "journal_format.h"

namespace runlog::journal {

class Encoder {
public:
    // offset: the journal's current size (0 for a new journal, whose header
    // the first encode_header() call emits).
    explicit Encoder(uint64_t offset = 0) : offset_(offset) {}

    void encode_header(std::string &out);
    // Appends the framed record (kind byte + json) to out.
    void encode(RecordKind kind, std::string_view json, std::string &out);

    uint64_t offset() const { return offset_; }

private:
    void emit_chunk(ChunkType type, uint8_t first_byte, bool has_first_byte, std::string_view rest,
                    std::string &out);
    uint64_t offset_;
};

}  // namespace runlog::journal
