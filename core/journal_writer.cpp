#include "journal_writer.h"

#include <algorithm>

#include "crc32.h"

namespace runlog::journal {

std::string_view kind_name(RecordKind kind) {
    switch (kind) {
        case RecordKind::Run: return "run";
        case RecordKind::History: return "history";
        case RecordKind::Summary: return "summary";
        case RecordKind::Config: return "config";
        case RecordKind::Metric: return "metric";
        case RecordKind::Exit: return "exit";
        case RecordKind::Resume: return "resume";
    }
    return "unknown";
}

void Encoder::encode_header(std::string &out) {
    out.append(reinterpret_cast<const char *>(kHeader), kHeaderSize);
    offset_ += kHeaderSize;
}

void Encoder::emit_chunk(ChunkType type, uint8_t first_byte, bool has_first_byte,
                         std::string_view rest, std::string &out) {
    const uint8_t type_byte = type;
    uint32_t crc = crc32_update(0, &type_byte, 1);
    if (has_first_byte) crc = crc32_update(crc, &first_byte, 1);
    crc = crc32_update(crc, rest.data(), rest.size());
    const size_t len = rest.size() + (has_first_byte ? 1 : 0);
    char header[kChunkHeaderSize] = {
        char(crc & 0xFF),  char((crc >> 8) & 0xFF), char((crc >> 16) & 0xFF), char(crc >> 24),
        char(len & 0xFF),  char(len >> 8),          char(type_byte)};
    out.append(header, kChunkHeaderSize);
    if (has_first_byte) out.push_back(char(first_byte));
    out.append(rest.data(), rest.size());
    offset_ += kChunkHeaderSize + len;
}

void Encoder::encode(RecordKind kind, std::string_view json, std::string &out) {
    // The payload is the kind byte followed by the JSON; it is framed without
    // first copying the two into one buffer.
    bool kind_pending = true;
    std::string_view rest = json;
    bool first = true;
    for (;;) {
        size_t block_left = kBlockSize - size_t(offset_ % kBlockSize);
        if (block_left < kChunkHeaderSize) {
            out.append(block_left, '\0');
            offset_ += block_left;
            block_left = kBlockSize;
        }
        const size_t avail = block_left - kChunkHeaderSize;
        const size_t total_left = rest.size() + (kind_pending ? 1 : 0);
        const size_t frag = std::min(total_left, avail);
        const bool last = frag == total_left;
        const ChunkType type = first ? (last ? kFull : kFirst) : (last ? kLast : kMiddle);
        const bool with_kind = kind_pending && frag > 0;
        const size_t from_rest = frag - (with_kind ? 1 : 0);
        emit_chunk(type, uint8_t(kind), with_kind, rest.substr(0, from_rest), out);
        if (with_kind) kind_pending = false;
        rest.remove_prefix(from_rest);
        first = false;
        if (last) break;
    }
}

}  // namespace runlog::journal
