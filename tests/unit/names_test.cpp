// Run ids, run names and the run-directory layout.
#include "names.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>

namespace {

bool in_alphabet(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

TEST(Names, RunIdAlphabetAndLength) {
    std::mt19937_64 rng(11);
    auto random = [&](uint8_t *buf, size_t n) {
        for (size_t i = 0; i < n; ++i) buf[i] = uint8_t(rng());
    };
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        std::string id = runlog::make_run_id(random);
        ASSERT_EQ(id.size(), runlog::kRunIdLength);
        for (char c : id) ASSERT_TRUE(in_alphabet(c)) << id;
        EXPECT_TRUE(runlog::check_run_id(id).empty());
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 10000u);
}

TEST(Names, RunIdRejectsBytesThatWouldBias) {
    // 252..255 must be skipped: with only those bytes and then 0..7, the id
    // is made of the 0..7 bytes alone.
    int calls = 0;
    auto random = [&](uint8_t *buf, size_t n) {
        for (size_t i = 0; i < n; ++i) buf[i] = calls == 0 ? uint8_t(252 + i % 4) : uint8_t(i);
        ++calls;
    };
    EXPECT_EQ(runlog::make_run_id(random), "abcdefgh");
    EXPECT_EQ(calls, 2);
    // 36 maps back to 'a', 251 = 6*36+35 to '9'
    auto fixed = [](uint8_t *buf, size_t n) {
        for (size_t i = 0; i < n; ++i) buf[i] = i % 2 ? 251 : 36;
    };
    EXPECT_EQ(runlog::make_run_id(fixed), "a9a9a9a9");
}

TEST(Names, RunIdHasNoBias) {
    // 800,000 characters from a uniform byte source: each of the 36 symbols
    // must appear equally often (chi-square, 35 degrees of freedom). Taking
    // byte % 36 without rejection would favour a-d by 8/7 and fail this by far.
    std::mt19937_64 rng(12);
    auto random = [&](uint8_t *buf, size_t n) {
        for (size_t i = 0; i < n; ++i) buf[i] = uint8_t(rng() >> 56);
    };
    std::map<char, long> counts;
    const int ids = 100000;
    for (int i = 0; i < ids; ++i)
        for (char c : runlog::make_run_id(random)) counts[c]++;
    ASSERT_EQ(counts.size(), 36u);
    const double expected = ids * 8.0 / 36.0;
    double chi2 = 0;
    for (const auto &[c, n] : counts) chi2 += (n - expected) * (n - expected) / expected;
    // p = 0.0001 critical value for 35 dof is about 72.
    EXPECT_LT(chi2, 72.0) << "character counts are not uniform";
}

TEST(Names, CheckRunId) {
    for (const char *ok : {"abc123", "a", "a-b_c.d", "ABC", "run id with spaces inside", "\xC3\xA9t\xC3\xA9"})
        EXPECT_TRUE(runlog::check_run_id(ok).empty()) << ok << ": " << runlog::check_run_id(ok);
    EXPECT_TRUE(runlog::check_run_id(std::string(64, 'x')).empty());
    EXPECT_FALSE(runlog::check_run_id(std::string(65, 'x')).empty());
    EXPECT_NE(runlog::check_run_id("").find("empty"), std::string::npos);
    for (const char *bad : {" a", "a ", "\ta", "a\t"}) EXPECT_FALSE(runlog::check_run_id(bad).empty()) << bad;
    for (char c : std::string(":;,#?/'\\\x01\n\x1f")) {
        std::string id = std::string("ab") + c + "cd";
        std::string why = runlog::check_run_id(id);
        EXPECT_FALSE(why.empty()) << "character " << int(c);
    }
    EXPECT_NE(runlog::check_run_id("a/b").find('/'), std::string::npos);
}

TEST(Names, CheckProject) {
    EXPECT_TRUE(runlog::check_project("my-project_1.0").empty());
    EXPECT_TRUE(runlog::check_project(std::string(128, 'p')).empty());
    EXPECT_FALSE(runlog::check_project(std::string(129, 'p')).empty());
    EXPECT_FALSE(runlog::check_project("").empty());
    for (const char *bad : {"a/b", "a\\b", "a#b", "a?b", "a%b", "a:b"})
        EXPECT_FALSE(runlog::check_project(bad).empty()) << bad;
}

TEST(Names, RunDirNameRoundTrip) {
    std::tm t{};
    t.tm_year = 2026 - 1900;
    t.tm_mon = 10;
    t.tm_mday = 23;
    t.tm_hour = 9;
    t.tm_min = 5;
    t.tm_sec = 7;
    EXPECT_EQ(runlog::run_dir_name(true, t, "abcd1234"), "offline-run-20261123_090507-abcd1234");
    EXPECT_EQ(runlog::run_dir_name(false, t, "abcd1234"), "run-20261123_090507-abcd1234");
    EXPECT_EQ(runlog::journal_file_name("abcd1234"), "run-abcd1234.runlog");

    runlog::RunDirName p;
    ASSERT_TRUE(runlog::parse_run_dir_name("offline-run-20261123_090507-abcd1234", p));
    EXPECT_TRUE(p.offline);
    EXPECT_EQ(p.timestamp, "20261123_090507");
    EXPECT_EQ(p.id, "abcd1234");
    ASSERT_TRUE(runlog::parse_run_dir_name("run-20261123_090507-my-run-id", p));
    EXPECT_FALSE(p.offline);
    EXPECT_EQ(p.id, "my-run-id");
    // ids with dashes, dots, any length up to the id rules
    ASSERT_TRUE(runlog::parse_run_dir_name(runlog::run_dir_name(true, t, "x.y-z_1"), p));
    EXPECT_EQ(p.id, "x.y-z_1");
}

TEST(Names, ParseRunDirNameRejects) {
    runlog::RunDirName p;
    for (const char *bad : {"", "latest-run", "run-", "offline-run-", "run-20261123_090507-",
                            "run-20261123_090507", "run-2026112_0905071-abc", "run-20261123-090507-abc",
                            "run-2026a123_090507-abc", "run-20261123_09050x-abc", "offline-20261123_090507-abc",
                            "offline-run20261123_090507-abc", "wandb-resume.json", "run-20261123_090507_abc"}) {
        EXPECT_FALSE(runlog::parse_run_dir_name(bad, p)) << bad;
    }
    p.id = "stale";
    EXPECT_FALSE(runlog::parse_run_dir_name("nope", p));
    EXPECT_TRUE(p.id.empty());  // out is reset
}

TEST(Names, RunNames) {
    std::set<std::string> names;
    for (uint32_t r = 0; r < 5000; ++r) {
        std::string n = runlog::make_run_name(r * 2654435761u);
        // adjective-noun-number
        size_t d1 = n.find('-'), d2 = n.rfind('-');
        ASSERT_NE(d1, std::string::npos) << n;
        ASSERT_NE(d1, d2) << n;
        int num = std::atoi(n.c_str() + d2 + 1);
        EXPECT_GE(num, 1);
        EXPECT_LE(num, 100);
        EXPECT_TRUE(runlog::check_run_id(n).empty());
        names.insert(n);
    }
    EXPECT_GT(names.size(), 4000u);
    EXPECT_EQ(runlog::make_run_name(12345), runlog::make_run_name(12345));
}

}  // namespace
