// The runlog journal: one append-only file per run.
//
// Layout (modelled on the LevelDB log format, which W&B's .wandb file uses too):
//   - an 8-byte file header: 0x89 'R' 'L' 'G' '\r' '\n' 0x1A <format version>
//     (PNG-style: a binary marker, line-ending canaries, a DOS EOF byte);
//   - the file is cut into 32 KiB blocks aligned to offset 0; the header takes
//     the first 8 bytes of block 0;
//   - each record is written as one or more chunks that never cross a block:
//       crc32 u32 LE | length u16 LE | type u8 | payload[length]
//     type 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST; the CRC-32/IEEE covers the type
//     byte then the payload; fewer than 7 bytes left in a block are zero-filled;
//   - a record's payload is one kind byte (RecordKind) followed by JSON text.
// A torn write can only damage the tail; the reader returns every complete
// record before it and says where and why it stopped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace runlog::journal {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 8;
constexpr uint8_t kHeader[kHeaderSize] = {0x89, 'R', 'L', 'G', '\r', '\n', 0x1A, kFormatVersion};
constexpr size_t kBlockSize = 32768;
constexpr size_t kChunkHeaderSize = 7;

enum ChunkType : uint8_t { kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };

// What a record holds. The JSON shape of each kind is documented in
// docs/journal.md. Values are only ever added.
enum class RecordKind : uint8_t {
    Run = 1,      // run metadata (id, project, names, start time, resumed…)
    History = 2,  // one final history row, with _step, _runtime, _timestamp
    Summary = 3,  // {"update": {...}, "remove": [...]}: explicit summary values
    Config = 4,   // {"update": {...}}: config merged into the run's config
    Metric = 5,   // a define_metric call
    Exit = 6,     // {"exit_code": n, "runtime": s}: the run finished
    Resume = 7,   // the run was continued by another process
};

// "run", "history", … ; "unknown" for a kind this build does not know.
std::string_view kind_name(RecordKind kind);

}  // namespace runlog::journal
