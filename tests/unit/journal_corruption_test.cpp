// The reader against damaged journals: truncation at every offset, flipped
// bytes, random garbage, zero-filled tails. Whatever the damage, the reader
// must not crash and must return exactly the intact prefix of the records
// (each byte-identical to what was written), then say why it stopped.
//
// Deterministic: the seed is fixed (printed; RUNLOG_TEST_SEED overrides it).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "journal_reader.h"
#include "journal_writer.h"
#include "test_util.h"

namespace {

using namespace runlog::journal;
using runlog_test::view_source;

struct Journal {
    std::string bytes;
    std::vector<RecordKind> kinds;
    std::vector<std::string> payloads;
    std::vector<uint64_t> starts, ends;
    size_t size() const { return payloads.size(); }
};

std::string random_payload(std::mt19937_64 &rng, size_t len) {
    std::string s(len, '\0');
    const bool binary = rng() % 4 == 0;
    for (auto &c : s) c = binary ? char(rng()) : char(' ' + rng() % 95);
    return s;
}

// sizes: a function of the rng giving each record's length.
template <class SizeFn>
Journal make_journal(std::mt19937_64 &rng, size_t records, SizeFn size_of) {
    Journal j;
    Encoder enc;
    enc.encode_header(j.bytes);
    for (size_t i = 0; i < records; ++i) {
        const RecordKind kind = RecordKind(1 + rng() % 7);
        std::string payload = random_payload(rng, size_of(rng));
        const uint64_t before = enc.offset();
        const uint64_t left = kBlockSize - before % kBlockSize;
        j.starts.push_back(left < kChunkHeaderSize ? before + left : before);
        enc.encode(kind, payload, j.bytes);
        j.ends.push_back(enc.offset());
        j.kinds.push_back(kind);
        j.payloads.push_back(std::move(payload));
    }
    return j;
}

struct Result {
    std::vector<Record> records;
    ReadSummary summary;
};

Result read_all(const std::string &bytes) {
    Result r;
    Reader reader(view_source(bytes));
    Record rec;
    while (reader.next(rec)) {
        r.records.push_back(rec);
        if (r.records.size() > 100000) break;  // a reader that never stops is a failure too
    }
    r.summary = reader.summary();
    return r;
}

// Every returned record is the original at the same index, byte for byte.
::testing::AssertionResult is_prefix(const Journal &j, const Result &r) {
    if (r.records.size() > j.size())
        return ::testing::AssertionFailure() << r.records.size() << " records returned, only " << j.size()
                                             << " were written";
    for (size_t i = 0; i < r.records.size(); ++i) {
        if (r.records[i].kind != j.kinds[i] || r.records[i].json != j.payloads[i])
            return ::testing::AssertionFailure() << "record " << i << " differs from what was written";
        if (r.records[i].offset != j.starts[i])
            return ::testing::AssertionFailure() << "record " << i << " reported at offset " << r.records[i].offset
                                                 << ", written at " << j.starts[i];
    }
    return ::testing::AssertionSuccess();
}

// Number of records that end at or before offset t.
size_t complete_before(const Journal &j, uint64_t t) {
    return size_t(std::upper_bound(j.ends.begin(), j.ends.end(), t) - j.ends.begin());
}

uint64_t seed_for(const char *test, uint64_t fixed) {
    const uint64_t seed = runlog_test::test_seed(fixed);
    std::cout << "[   seed   ] " << test << ": " << seed << " (set RUNLOG_TEST_SEED to replay)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return seed;
}

// Checks one truncation; returns false (with a failure recorded) on a mismatch.
bool check_truncation(const Journal &j, uint64_t t) {
    const Result r = read_all(j.bytes.substr(0, size_t(t)));
    EXPECT_TRUE(is_prefix(j, r)) << "truncated at " << t;
    const size_t k = complete_before(j, t);
    if (t == 0) {
        EXPECT_EQ(r.summary.reason, StopReason::TornTail) << "empty journal (a crash right after creating it)";
        return !::testing::Test::HasFailure();
    }
    if (t < kHeaderSize) {
        EXPECT_EQ(r.summary.reason, StopReason::TornTail) << "truncated in the header at " << t;
        EXPECT_TRUE(r.records.empty());
        return !::testing::Test::HasFailure();
    }
    EXPECT_EQ(r.records.size(), k) << "truncated at " << t;
    // Clean when the cut falls at the end of a record or in the zero
    // trailer after it; torn otherwise.
    const uint64_t clean_from = k ? j.ends[k - 1] : kHeaderSize;
    const uint64_t clean_to = k < j.size() ? j.starts[k] : j.bytes.size();
    const bool clean = t >= clean_from && t <= clean_to;
    if (clean) {
        EXPECT_EQ(r.summary.reason, StopReason::End) << "cut at a record boundary " << t << ": " << r.summary.detail;
    } else {
        EXPECT_EQ(r.summary.reason, StopReason::TornTail) << "truncated at " << t << ": " << r.summary.detail;
        EXPECT_EQ(r.summary.stop_offset, j.starts[k]) << "truncated at " << t;
    }
    EXPECT_EQ(r.summary.good_offset, clean_from) << "truncated at " << t;
    EXPECT_EQ(r.summary.records, k);
    return !::testing::Test::HasFailure();
}

TEST(JournalCorruption, TruncationAtEveryOffsetOfASmallJournal) {
    std::mt19937_64 rng(seed_for("truncation-small", 1001));
    Journal j = make_journal(rng, 60, [](std::mt19937_64 &r) { return size_t(r() % 200); });
    ASSERT_LT(j.bytes.size(), kBlockSize);
    for (uint64_t t = 0; t <= j.bytes.size(); ++t)
        if (!check_truncation(j, t)) return;
}

TEST(JournalCorruption, TruncationAroundBlockAndRecordBoundaries) {
    std::mt19937_64 rng(seed_for("truncation-blocks", 1002));
    // Mostly small records, some spanning blocks, some ending near a block end.
    Journal j = make_journal(rng, 90, [](std::mt19937_64 &r) {
        switch (r() % 15) {
            case 0: return size_t(kBlockSize / 2 + r() % (kBlockSize + kBlockSize / 2));
            case 1: return size_t(r() % 8);
            default: return size_t(r() % 900);
        }
    });
    ASSERT_GT(j.bytes.size(), 3 * kBlockSize);
    std::set<uint64_t> cuts;
    auto around = [&](uint64_t at, uint64_t radius) {
        for (uint64_t d = 0; d <= radius; ++d) {
            if (at >= d) cuts.insert(at - d);
            if (at + d <= j.bytes.size()) cuts.insert(at + d);
        }
    };
    for (uint64_t b = kBlockSize; b < j.bytes.size(); b += kBlockSize) around(b, 16);
    for (size_t i = 0; i < j.size(); ++i) {
        around(j.starts[i], 8);
        around(j.ends[i], 2);
    }
    for (int i = 0; i < 300; ++i) cuts.insert(rng() % (j.bytes.size() + 1));
    for (uint64_t t : cuts)
        if (!check_truncation(j, t)) return;
    std::cout << "[          ] " << cuts.size() << " truncations of a " << j.bytes.size() << "-byte journal"
              << std::endl;
}

TEST(JournalCorruption, FlippedBytes) {
    std::mt19937_64 rng(seed_for("flips", 1003));
    Journal j = make_journal(rng, 80, [](std::mt19937_64 &r) {
        return r() % 16 == 0 ? size_t(kBlockSize / 2 + r() % kBlockSize) : size_t(r() % 600);
    });
    int iterations = 0;
    for (int iter = 0; iter < 1500; ++iter, ++iterations) {
        std::string bytes = j.bytes;
        const int flips = iter < 1000 ? 1 : 2 + int(rng() % 4);
        std::vector<uint64_t> where;
        for (int f = 0; f < flips; ++f) {
            // Mostly past the header; sometimes in it.
            uint64_t p = rng() % 50 == 0 ? rng() % kHeaderSize : kHeaderSize + rng() % (bytes.size() - kHeaderSize);
            uint8_t mask = uint8_t(1 + rng() % 255);
            bytes[size_t(p)] = char(uint8_t(bytes[size_t(p)]) ^ mask);
            where.push_back(p);
        }
        const Result r = read_all(bytes);
        ASSERT_TRUE(is_prefix(j, r)) << "iteration " << iter;
        const uint64_t first = *std::min_element(where.begin(), where.end());
        if (first < kHeaderSize) {
            ASSERT_EQ(r.summary.reason, StopReason::BadHeader) << "iteration " << iter << ": header byte " << first;
            ASSERT_TRUE(r.records.empty());
            continue;
        }
        // The first record holding a flipped byte (flips in block trailers are harmless).
        size_t damaged = j.size();
        for (uint64_t p : where)
            for (size_t i = 0; i < j.size(); ++i)
                if (p >= j.starts[i] && p < j.ends[i]) damaged = std::min(damaged, i);
        ASSERT_EQ(r.records.size(), damaged) << "iteration " << iter << ", first flip at " << first;
        if (damaged == j.size()) {
            ASSERT_EQ(r.summary.reason, StopReason::End) << "iteration " << iter;
        } else {
            ASSERT_TRUE(r.summary.reason == StopReason::Corrupt || r.summary.reason == StopReason::TornTail)
                << "iteration " << iter << ": " << stop_reason_name(r.summary.reason);
            ASSERT_EQ(r.summary.stop_offset, j.starts[damaged]) << "iteration " << iter << ": " << r.summary.detail;
            ASSERT_FALSE(r.summary.detail.empty());
        }
    }
    std::cout << "[          ] " << iterations << " damaged copies of a " << j.bytes.size() << "-byte journal"
              << std::endl;
}

TEST(JournalCorruption, RandomGarbage) {
    std::mt19937_64 rng(seed_for("garbage", 1004));
    for (int iter = 0; iter < 600; ++iter) {
        std::string bytes(size_t(rng() % (kBlockSize + 5000)), '\0');
        for (auto &c : bytes) c = char(rng());
        Result r = read_all(bytes);
        if (bytes.empty()) {
            ASSERT_EQ(r.summary.reason, StopReason::TornTail);
            continue;
        }
        ASSERT_TRUE(r.records.empty()) << "iteration " << iter;
        ASSERT_TRUE(r.summary.reason == StopReason::BadHeader) << "iteration " << iter;
        // The same garbage after a valid header.
        std::string with_header = std::string("\x89RLG\r\n\x1A\x01", 8) + bytes;
        r = read_all(with_header);
        ASSERT_TRUE(r.records.empty()) << "iteration " << iter;
        ASSERT_TRUE(r.summary.reason == StopReason::Corrupt || r.summary.reason == StopReason::TornTail)
            << "iteration " << iter << ": " << stop_reason_name(r.summary.reason);
        ASSERT_EQ(r.summary.good_offset, kHeaderSize);
    }
    // Garbage after valid records.
    Journal j = make_journal(rng, 30, [](std::mt19937_64 &r) { return size_t(r() % 3000); });
    for (int iter = 0; iter < 300; ++iter) {
        std::string tail(size_t(1 + rng() % 5000), '\0');
        for (auto &c : tail) c = char(rng());
        const Result r = read_all(j.bytes + tail);
        ASSERT_TRUE(is_prefix(j, r));
        ASSERT_EQ(r.records.size(), j.size()) << "iteration " << iter;
        const uint64_t trailer = kBlockSize - j.bytes.size() % kBlockSize;
        if (trailer >= kChunkHeaderSize || tail.size() > trailer) {
            ASSERT_TRUE(r.summary.reason == StopReason::Corrupt || r.summary.reason == StopReason::TornTail)
                << "iteration " << iter;
        }
        ASSERT_EQ(r.summary.good_offset, j.bytes.size());
    }
}

TEST(JournalCorruption, ZeroFilledTails) {
    std::mt19937_64 rng(seed_for("zeros", 1005));
    // A valid header followed by zeros (a preallocated or never-written file).
    for (size_t zeros : {size_t(1), size_t(6), size_t(7), size_t(8), size_t(100), size_t(kBlockSize - 8),
                         size_t(kBlockSize), size_t(3 * kBlockSize + 17)}) {
        const Result r = read_all(std::string("\x89RLG\r\n\x1A\x01", 8) + std::string(zeros, '\0'));
        EXPECT_TRUE(r.records.empty()) << zeros << " zeros";
        EXPECT_EQ(r.summary.reason, StopReason::TornTail) << zeros << " zeros: " << r.summary.detail;
        EXPECT_EQ(r.summary.good_offset, kHeaderSize);
    }
    // Valid records followed by zeros.
    Journal j = make_journal(rng, 50, [](std::mt19937_64 &r) { return size_t(r() % 2000); });
    for (int iter = 0; iter < 200; ++iter) {
        const size_t zeros = size_t(1 + rng() % (2 * kBlockSize));
        const Result r = read_all(j.bytes + std::string(zeros, '\0'));
        ASSERT_TRUE(is_prefix(j, r));
        ASSERT_EQ(r.records.size(), j.size()) << zeros << " zeros";
        ASSERT_TRUE(r.summary.reason == StopReason::TornTail || r.summary.reason == StopReason::End)
            << zeros << " zeros: " << stop_reason_name(r.summary.reason);
        ASSERT_EQ(r.summary.good_offset, j.bytes.size());
    }
    // A zeroed hole in the middle, valid records after it: the records after
    // the hole are not returned (the reader stops at the first damage).
    std::string holed = j.bytes;
    const size_t k = j.size() / 2;
    std::fill(holed.begin() + long(j.starts[k]), holed.begin() + long(j.ends[k]), '\0');
    const Result r = read_all(holed);
    ASSERT_TRUE(is_prefix(j, r));
    EXPECT_EQ(r.records.size(), k);
    EXPECT_EQ(r.summary.reason, StopReason::Corrupt) << r.summary.detail;
}

TEST(JournalCorruption, TruncatedAndThenAppendedByAResumedWriter) {
    // What resume does after a crash: cut at good_offset, append with an
    // Encoder at that offset. The result must read back completely.
    std::mt19937_64 rng(seed_for("resume-after-tear", 1006));
    Journal j = make_journal(rng, 40, [](std::mt19937_64 &r) {
        return r() % 8 == 0 ? size_t(kBlockSize + r() % kBlockSize) : size_t(r() % 700);
    });
    for (int iter = 0; iter < 200; ++iter) {
        const uint64_t t = kHeaderSize + rng() % (j.bytes.size() - kHeaderSize);
        const Result torn = read_all(j.bytes.substr(0, size_t(t)));
        std::string bytes = j.bytes.substr(0, size_t(torn.summary.good_offset));
        Encoder enc(bytes.size());
        enc.encode(RecordKind::Resume, "{}", bytes);
        enc.encode(RecordKind::History, "{\"after\":1}", bytes);
        const Result r = read_all(bytes);
        ASSERT_EQ(r.summary.reason, StopReason::End) << "cut at " << t;
        ASSERT_EQ(r.records.size(), torn.records.size() + 2);
        ASSERT_EQ(r.records.back().json, "{\"after\":1}");
    }
}

}  // namespace
