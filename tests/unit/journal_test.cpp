// The journal framing: Encoder and Reader round trips and the exact layout
// (header, 32 KiB blocks, chunk headers, trailers shorter than 7 bytes).
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "crc32.h"
#include "journal_reader.h"
#include "journal_writer.h"
#include "test_util.h"

namespace {

using namespace runlog::journal;
using runlog_test::view_source;

struct Built {
    std::string bytes;
    std::vector<std::pair<RecordKind, std::string>> records;
    std::vector<uint64_t> starts, ends;  // where each record's first chunk starts / last ends
};

void add(Built &b, Encoder &enc, RecordKind kind, const std::string &json) {
    const uint64_t before = enc.offset();
    const uint64_t left = kBlockSize - before % kBlockSize;
    b.starts.push_back(left < kChunkHeaderSize ? before + left : before);
    enc.encode(kind, json, b.bytes);
    b.ends.push_back(enc.offset());
    b.records.emplace_back(kind, json);
    ASSERT_EQ(enc.offset(), b.bytes.size());
}

Built build(const std::vector<std::pair<RecordKind, std::string>> &records) {
    Built b;
    Encoder enc;
    enc.encode_header(b.bytes);
    for (const auto &[kind, json] : records) add(b, enc, kind, json);
    return b;
}

struct ReadAll {
    std::vector<Record> records;
    ReadSummary summary;
};

ReadAll read_all(ByteSource src) {
    ReadAll r;
    Reader reader(std::move(src));
    Record rec;
    while (reader.next(rec)) r.records.push_back(rec);
    r.summary = reader.summary();
    // Calling next() again after the stop stays stopped.
    Record extra;
    EXPECT_FALSE(reader.next(extra));
    return r;
}

void expect_round_trip(const Built &b, size_t max_read = 0) {
    ReadAll r = read_all(view_source(b.bytes, max_read));
    ASSERT_EQ(r.summary.reason, StopReason::End) << r.summary.detail;
    ASSERT_EQ(r.records.size(), b.records.size());
    for (size_t i = 0; i < b.records.size(); ++i) {
        EXPECT_EQ(r.records[i].kind, b.records[i].first) << "record " << i;
        ASSERT_EQ(r.records[i].json, b.records[i].second) << "record " << i;
        EXPECT_EQ(r.records[i].offset, b.starts[i]) << "record " << i;
    }
    EXPECT_EQ(r.summary.records, b.records.size());
    EXPECT_EQ(r.summary.good_offset, b.bytes.size());
    EXPECT_EQ(r.summary.bytes_after, 0u);
}

struct Chunk {
    uint64_t at;
    uint32_t crc;
    size_t len;
    uint8_t type;
};

// Walks the chunks of a well-formed journal, checking each one.
std::vector<Chunk> chunks_of(const std::string &bytes) {
    std::vector<Chunk> out;
    size_t pos = kHeaderSize;
    while (pos < bytes.size()) {
        const size_t left = kBlockSize - pos % kBlockSize;
        if (left < kChunkHeaderSize) {
            for (size_t k = pos; k < pos + left; ++k) EXPECT_EQ(bytes[k], '\0') << "trailer byte " << k;
            pos += left;
            continue;
        }
        const auto *p = reinterpret_cast<const uint8_t *>(bytes.data() + pos);
        Chunk c{pos, uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24,
                size_t(p[4]) | size_t(p[5]) << 8, p[6]};
        EXPECT_LE(c.len, left - kChunkHeaderSize) << "chunk at " << pos << " crosses a block";
        uint32_t crc = runlog::crc32_update(0, &c.type, 1);
        crc = runlog::crc32_update(crc, p + kChunkHeaderSize, c.len);
        EXPECT_EQ(crc, c.crc) << "chunk at " << pos;
        out.push_back(c);
        pos += kChunkHeaderSize + c.len;
    }
    EXPECT_EQ(pos, bytes.size());
    return out;
}

TEST(Journal, HeaderBytes) {
    Encoder enc;
    std::string out;
    enc.encode_header(out);
    ASSERT_EQ(out.size(), 8u);
    EXPECT_EQ(out, std::string("\x89RLG\r\n\x1A\x01", 8));
    EXPECT_EQ(enc.offset(), 8u);
    ReadAll r = read_all(view_source(out));
    EXPECT_EQ(r.summary.reason, StopReason::End);
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(r.summary.good_offset, 8u);
}

TEST(Journal, ChunkLayoutOfOneRecord) {
    Built b = build({{RecordKind::History, "{\"a\":1}"}});
    ASSERT_EQ(b.bytes.size(), 8u + 7u + 1u + 7u);
    const auto *p = reinterpret_cast<const uint8_t *>(b.bytes.data() + 8);
    EXPECT_EQ(p[4] | p[5] << 8, 8);      // kind byte + 7 bytes of JSON
    EXPECT_EQ(p[6], kFull);
    EXPECT_EQ(p[7], uint8_t(RecordKind::History));
    std::string covered = std::string(1, char(kFull)) + std::string(1, char(RecordKind::History)) + "{\"a\":1}";
    const uint32_t crc = runlog::crc32(covered.data(), covered.size());
    EXPECT_EQ(uint32_t(p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24), crc);
    expect_round_trip(b);
}

TEST(Journal, EmptyJsonRecord) {
    Built b = build({{RecordKind::History, ""}, {RecordKind::Exit, ""}, {RecordKind::Run, "{}"}});
    expect_round_trip(b);
    auto chunks = chunks_of(b.bytes);
    ASSERT_EQ(chunks.size(), 3u);
    EXPECT_EQ(chunks[0].len, 1u);
}

TEST(Journal, EveryKindAndArbitraryBytes) {
    std::string binary;
    for (int i = 0; i < 256; ++i) binary.push_back(char(i));
    Built b = build({{RecordKind::Run, "{\"id\":\"x\"}"},
                     {RecordKind::History, binary},
                     {RecordKind::Summary, "{}"},
                     {RecordKind::Config, std::string(3, '\0')},
                     {RecordKind::Metric, "m"},
                     {RecordKind::Exit, "e"},
                     {RecordKind::Resume, "r"},
                     {RecordKind(200), "a kind from a newer writer"}});
    expect_round_trip(b);
}

TEST(Journal, RecordExactlyFillingTheFirstBlock) {
    const size_t n = kBlockSize - kHeaderSize - kChunkHeaderSize - 1;
    Built b = build({{RecordKind::History, std::string(n, 'a')}, {RecordKind::History, "next"}});
    EXPECT_EQ(b.ends[0], kBlockSize);
    EXPECT_EQ(b.starts[1], kBlockSize);
    auto chunks = chunks_of(b.bytes);
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0].type, kFull);
    EXPECT_EQ(chunks[1].at, kBlockSize);
    EXPECT_EQ(chunks[1].type, kFull);
    expect_round_trip(b);
    // A record that ends exactly at the end of the file on a block boundary.
    Built c = build({{RecordKind::History, std::string(n, 'a')}});
    EXPECT_EQ(c.bytes.size(), kBlockSize);
    expect_round_trip(c);
}

TEST(Journal, RecordExactlyFillingALaterBlock) {
    const size_t first = kBlockSize - kHeaderSize - kChunkHeaderSize - 1;
    const size_t whole = kBlockSize - kChunkHeaderSize - 1;
    Built b = build({{RecordKind::History, std::string(first, 'a')},
                     {RecordKind::History, std::string(whole, 'b')},
                     {RecordKind::History, std::string(whole, 'c')},
                     {RecordKind::Exit, "{}"}});
    EXPECT_EQ(b.ends[1], 2 * kBlockSize);
    EXPECT_EQ(b.ends[2], 3 * kBlockSize);
    for (const auto &c : chunks_of(b.bytes)) EXPECT_EQ(c.type, kFull);
    expect_round_trip(b);
}

// Leaves exactly `left` bytes in block 0, then writes a second record.
TEST(Journal, BlockTrailersShorterThanAChunkHeader) {
    for (size_t left = 0; left <= 9; ++left) {
        SCOPED_TRACE("bytes left in the block: " + std::to_string(left));
        const size_t n = kBlockSize - kHeaderSize - kChunkHeaderSize - 1 - left;
        Built b = build({{RecordKind::History, std::string(n, 'x')}, {RecordKind::Config, "{\"k\":2}"}});
        ASSERT_EQ(b.ends[0], kBlockSize - left);
        auto chunks = chunks_of(b.bytes);
        if (left < kChunkHeaderSize) {
            // zero-filled trailer, the next record starts a block
            EXPECT_EQ(b.starts[1], kBlockSize);
            ASSERT_EQ(chunks.size(), 2u);
            EXPECT_EQ(chunks[1].at, kBlockSize);
            EXPECT_EQ(chunks[1].type, kFull);
            EXPECT_EQ(b.bytes.substr(kBlockSize - left, left), std::string(left, '\0'));
        } else {
            // room for a chunk header: a FIRST chunk (empty when exactly 7 left)
            EXPECT_EQ(b.starts[1], kBlockSize - left);
            ASSERT_EQ(chunks.size(), 3u);
            EXPECT_EQ(chunks[1].type, kFirst);
            EXPECT_EQ(chunks[1].len, left - kChunkHeaderSize);
            EXPECT_EQ(chunks[2].type, kLast);
            EXPECT_EQ(chunks[2].at, kBlockSize);
        }
        expect_round_trip(b);
        expect_round_trip(b, 5);  // and with tiny reads
    }
}

TEST(Journal, RecordsSpanningManyBlocks) {
    std::mt19937_64 rng(runlog_test::test_seed(7));
    std::vector<std::pair<RecordKind, std::string>> recs;
    for (size_t size : {size_t(1) << 20, size_t(100000), size_t(kBlockSize), size_t(kBlockSize - 7),
                        size_t(kBlockSize + 1), size_t(3 * kBlockSize - 20), size_t(65535), size_t(65536),
                        size_t(0), size_t(1)}) {
        std::string s(size, '\0');
        for (auto &c : s) c = char(rng());
        recs.emplace_back(RecordKind::History, std::move(s));
        recs.emplace_back(RecordKind::Summary, "{}");
    }
    Built b = build(recs);
    auto chunks = chunks_of(b.bytes);
    // the 1 MiB record: FIRST, then MIDDLEs, then LAST
    EXPECT_EQ(chunks[0].type, kFirst);
    size_t i = 1;
    while (chunks[i].type == kMiddle) ++i;
    EXPECT_EQ(chunks[i].type, kLast);
    EXPECT_GE(i, 31u);
    expect_round_trip(b);
    expect_round_trip(b, 4093);
}

TEST(Journal, EncoderContinuesAnExistingJournal) {
    for (size_t left : {size_t(0), size_t(3), size_t(7), size_t(100)}) {
        SCOPED_TRACE("left in block: " + std::to_string(left));
        Built b;
        {
            Encoder enc;
            enc.encode_header(b.bytes);
            add(b, enc, RecordKind::Run, std::string(kBlockSize - kHeaderSize - kChunkHeaderSize - 1 - left, 'r'));
        }
        // A second process appends with an encoder that starts at the size.
        Encoder resumed(b.bytes.size());
        add(b, resumed, RecordKind::Resume, "{}");
        add(b, resumed, RecordKind::History, std::string(50000, 'h'));
        expect_round_trip(b);
    }
}

TEST(Journal, ShortReadsGiveTheSameRecords) {
    std::vector<std::pair<RecordKind, std::string>> recs;
    for (int i = 0; i < 200; ++i) recs.emplace_back(RecordKind::History, std::string(size_t(i * 97), char('a' + i % 26)));
    Built b = build(recs);
    for (size_t max_read : {size_t(1), size_t(6), size_t(7), size_t(8), size_t(1000), size_t(kBlockSize - 1)})
        expect_round_trip(b, max_read);
}

TEST(Journal, IoErrorStopsWithThePrefix) {
    std::vector<std::pair<RecordKind, std::string>> recs;
    for (int i = 0; i < 100; ++i) recs.emplace_back(RecordKind::History, std::string(1000, char('a' + i % 26)));
    Built b = build(recs);
    for (uint64_t fail_at : {uint64_t(0), uint64_t(kBlockSize), uint64_t(2 * kBlockSize + 5)}) {
        ReadAll r = read_all(view_source(b.bytes, 0, fail_at));
        EXPECT_EQ(r.summary.reason, StopReason::IoError) << "fail_at " << fail_at;
        size_t complete = 0;
        while (complete < b.ends.size() && b.ends[complete] <= fail_at) ++complete;
        // Whole blocks are read at once, so only records of earlier blocks are certain.
        EXPECT_LE(r.records.size(), complete);
        for (size_t i = 0; i < r.records.size(); ++i) EXPECT_EQ(r.records[i].json, b.records[i].second);
        EXPECT_FALSE(r.summary.detail.empty());
    }
}

TEST(Journal, HeaderProblems) {
    {
        // An empty file is what a crash right after creating the journal
        // leaves: a torn tail, not a foreign file.
        ReadAll r = read_all(view_source(std::string()));
        EXPECT_EQ(r.summary.reason, StopReason::TornTail);
        EXPECT_FALSE(r.summary.detail.empty());
    }
    for (size_t n = 1; n < kHeaderSize; ++n) {
        ReadAll r = read_all(view_source(std::string("\x89RLG\r\n\x1A\x01", n)));
        EXPECT_EQ(r.summary.reason, StopReason::TornTail) << n << " header bytes";
    }
    Built b = build({{RecordKind::History, "{}"}});
    for (size_t i = 0; i < kHeaderSize - 1; ++i) {
        std::string bad = b.bytes;
        bad[i] = char(bad[i] ^ 0x20);
        ReadAll r = read_all(view_source(bad));
        EXPECT_EQ(r.summary.reason, StopReason::BadHeader) << "byte " << i;
        EXPECT_TRUE(r.records.empty());
        EXPECT_NE(r.summary.detail.find("magic"), std::string::npos) << r.summary.detail;
    }
    std::string v2 = b.bytes;
    v2[7] = 2;
    ReadAll r = read_all(view_source(v2));
    EXPECT_EQ(r.summary.reason, StopReason::BadHeader);
    EXPECT_NE(r.summary.detail.find("version 2"), std::string::npos) << r.summary.detail;
    // W&B's own .wandb header is not ours
    ReadAll w = read_all(view_source(std::string(":W&B\xE1\xBE\x00", 7) + std::string(100, 'x')));
    EXPECT_EQ(w.summary.reason, StopReason::BadHeader);
}

TEST(Journal, TornTailSummary) {
    Built b = build({{RecordKind::History, "{\"a\":1}"}, {RecordKind::History, std::string(40000, 'z')}});
    std::string cut = b.bytes.substr(0, b.bytes.size() - 10);
    ReadAll r = read_all(view_source(cut));
    ASSERT_EQ(r.summary.reason, StopReason::TornTail);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.summary.good_offset, b.ends[0]);
    EXPECT_EQ(r.summary.stop_offset, b.starts[1]);
    EXPECT_EQ(r.summary.bytes_after, cut.size() - b.starts[1]);
}

TEST(Journal, Names) {
    EXPECT_EQ(kind_name(RecordKind::Run), "run");
    EXPECT_EQ(kind_name(RecordKind::History), "history");
    EXPECT_EQ(kind_name(RecordKind::Summary), "summary");
    EXPECT_EQ(kind_name(RecordKind::Config), "config");
    EXPECT_EQ(kind_name(RecordKind::Metric), "metric");
    EXPECT_EQ(kind_name(RecordKind::Exit), "exit");
    EXPECT_EQ(kind_name(RecordKind::Resume), "resume");
    EXPECT_EQ(kind_name(RecordKind(99)), "unknown");
    EXPECT_STREQ(stop_reason_name(StopReason::End), "end");
    EXPECT_STREQ(stop_reason_name(StopReason::TornTail), "torn-tail");
    EXPECT_STREQ(stop_reason_name(StopReason::Corrupt), "corrupt");
    EXPECT_STREQ(stop_reason_name(StopReason::BadHeader), "bad-header");
    EXPECT_STREQ(stop_reason_name(StopReason::IoError), "io-error");
}

TEST(Journal, FileAndMemorySources) {
    runlog_test::TempDir dir;
    Built b = build({{RecordKind::Run, "{}"}, {RecordKind::History, std::string(70000, 'q')}});
    const std::string path = dir.path() + "/j.runlog";
    {
        std::ofstream f(path, std::ios::binary);
        f.write(b.bytes.data(), std::streamsize(b.bytes.size()));
    }
    std::string error;
    ByteSource src = file_source(path, &error);
    ASSERT_TRUE(src) << error;
    ReadAll r = read_all(std::move(src));
    EXPECT_EQ(r.summary.reason, StopReason::End);
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[1].json, b.records[1].second);

    ReadAll m = read_all(memory_source(b.bytes));
    EXPECT_EQ(m.summary.reason, StopReason::End);
    EXPECT_EQ(m.records.size(), 2u);

    std::string missing_error;
    ByteSource missing = file_source(dir.path() + "/nope.runlog", &missing_error);
    EXPECT_FALSE(missing);
    EXPECT_NE(missing_error.find("nope.runlog"), std::string::npos) << missing_error;
}

}  // namespace
