// CRC-32/IEEE (zlib's): known vectors, streaming, and a bit-by-bit reference.
#include "crc32.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

uint32_t reference_crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

uint32_t crc_of(const std::string &s) { return runlog::crc32(s.data(), s.size()); }

TEST(Crc32, KnownVectors) {
    EXPECT_EQ(crc_of("123456789"), 0xCBF43926u);
    EXPECT_EQ(crc_of(""), 0u);
    EXPECT_EQ(crc_of("a"), 0xE8B7BE43u);
    EXPECT_EQ(crc_of("abc"), 0x352441C2u);
    EXPECT_EQ(crc_of("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
    EXPECT_EQ(crc_of(std::string(32, '\0')), 0x190A55ADu);
    EXPECT_EQ(crc_of(std::string(32, '\xFF')), 0xFF6CAB0Bu);
    EXPECT_EQ(runlog::crc32(nullptr, 0), 0u);
}

TEST(Crc32, StreamingEqualsOneShot) {
    const std::string s = "123456789";
    for (size_t split = 0; split <= s.size(); ++split) {
        uint32_t c = runlog::crc32_update(0, s.data(), split);
        c = runlog::crc32_update(c, s.data() + split, s.size() - split);
        EXPECT_EQ(c, 0xCBF43926u) << "split at " << split;
    }
}

TEST(Crc32, MatchesBitwiseReferenceAtEveryAlignment) {
    std::mt19937_64 rng(42);
    std::vector<uint8_t> buf(4096 + 16);
    for (auto &b : buf) b = uint8_t(rng());
    for (size_t offset = 0; offset < 8; ++offset) {
        for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096}) {
            const uint8_t *p = buf.data() + offset;
            ASSERT_EQ(runlog::crc32(p, len), reference_crc32(p, len)) << "offset " << offset << " len " << len;
            // in random pieces
            uint32_t c = 0;
            size_t done = 0;
            while (done < len) {
                size_t piece = std::min<size_t>(len - done, rng() % 23);
                c = runlog::crc32_update(c, p + done, piece);
                done += piece;
            }
            ASSERT_EQ(c, reference_crc32(p, len));
        }
    }
}

TEST(Crc32, DetectsEverySingleBitFlip) {
    std::string s = "{\"loss\": 0.5, \"_step\": 12}";
    const uint32_t good = crc_of(s);
    for (size_t i = 0; i < s.size(); ++i)
        for (int bit = 0; bit < 8; ++bit) {
            std::string t = s;
            t[i] = char(t[i] ^ (1 << bit));
            EXPECT_NE(crc_of(t), good) << "byte " << i << " bit " << bit;
        }
}

}  // namespace
