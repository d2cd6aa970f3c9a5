// Differential test of the hot-path JSON scanner against nlohmann/json:
// on random documents and random mutations of them, both must agree on
// accept/reject, and the leaves the scanner reports must equal nlohmann's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "json_scan.h"
#include "summary.h"

using runlog::json;

namespace {

struct Gen {
    std::mt19937_64 rng;
    explicit Gen(uint64_t seed) : rng(seed) {}
    int pick(int n) { return int(rng() % uint64_t(n)); }

    std::string ws() {
        static const char *spaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
        return spaces[pick(7)];
    }
    std::string str() {
        static const char *pieces[] = {"a", "loss", "val/acc", "é", "日本", "😀", "\\n", "\\\"", "\\\\",
                                       "\\u00e9", "\\ud83d\\ude00", "\\/", " ", "_x", ".", "\\t", "\\u0001"};
        std::string s = "\"";
        int n = pick(5);
        for (int i = 0; i < n; ++i) s += pieces[pick(17)];
        return s + "\"";
    }
    std::string number() {
        static const char *nums[] = {"0", "-0", "1", "-1", "0.5", "1e10", "1E-5", "-2.5e+3", "123456789012",
                                     "9223372036854775807", "-9223372036854775808", "18446744073709551615",
                                     "3.141592653589793", "1e308", "4.9e-324", "0.1", "100"};
        return nums[pick(17)];
    }
    std::string value(int depth) {
        int k = pick(depth > 4 ? 6 : 8);
        switch (k) {
            case 0: return number();
            case 1: return pick(8) ? str() : "\"a\\u0000b\"";  // NUL only in values: keys use it as the path separator
            case 2: return "true";
            case 3: return "false";
            case 4: return "null";
            case 5: return number();
            case 6: {
                std::string s = "[" + ws();
                int n = pick(4);
                for (int i = 0; i < n; ++i) s += (i ? "," + ws() : "") + value(depth + 1) + ws();
                return s + "]";
            }
            default: return object(depth + 1);
        }
    }
    std::string object(int depth) {
        std::string s = "{" + ws();
        int n = pick(6);
        for (int i = 0; i < n; ++i) s += (i ? "," + ws() : "") + str() + ws() + ":" + ws() + value(depth) + ws();
        return s + "}";
    }
    std::string mutate(std::string s) {
        int edits = 1 + pick(3);
        for (int e = 0; e < edits && !s.empty(); ++e) {
            size_t at = size_t(pick(int(s.size())));
            static const char alphabet[] = "{}[]\",:0123456789-+.eEtfnul \\\x80\xc3\xff";
            switch (pick(3)) {
                case 0: s[at] = alphabet[pick(int(sizeof alphabet - 1))]; break;
                case 1: s.erase(at, 1); break;
                default: s.insert(at, 1, alphabet[pick(int(sizeof alphabet - 1))]); break;
            }
        }
        return s;
    }
};

struct Collect final : runlog::LeafVisitor {
    std::vector<std::pair<std::string, json>> leaves;
    void number(const std::string &p, double v) override { leaves.emplace_back(p, json(v)); }
    void integer(const std::string &p, int64_t v) override { leaves.emplace_back(p, json(v)); }
    void other(const std::string &p, const json &v) override { leaves.emplace_back(p, v); }
};

void flatten(const json &v, std::string &path, std::vector<std::pair<std::string, json>> &out, bool top) {
    if (v.is_object() && !v.empty()) {
        size_t base = path.size();
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!top) path.push_back(runlog::Summary::kSep);
            path += it.key();
            flatten(it.value(), path, out, false);
            path.resize(base);
        }
        return;
    }
    out.emplace_back(path, v);
}

bool same_number(const json &a, const json &b) {
    if (!a.is_number() || !b.is_number()) return a == b;
    return a.get<double>() == b.get<double>();
}

}  // namespace

TEST(JsonScanDiff, RandomDocumentsAgreeWithNlohmann) {
    const uint64_t seed = 20261123;
    std::printf("seed %llu\n", (unsigned long long)seed);
    Gen g(seed);
    int accepted = 0, rejected = 0, duplicates = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::string doc = g.ws() + g.object(0) + g.ws();
        if (iter % 2) doc = g.mutate(doc);
        runlog::ScannedObject scan;
        std::string msg;
        runlog::JsonError ours = runlog::scan_json_object(doc, scan, &msg);
        json theirs = json::parse(doc, nullptr, false);
        const bool they_accept = !theirs.is_discarded() && theirs.is_object();
        ASSERT_EQ(ours == runlog::JsonError::None, they_accept) << "doc: " << doc << "\nours: " << msg;
        if (!they_accept) {
            ++rejected;
            ASSERT_FALSE(msg.empty());
            continue;
        }
        ++accepted;
        // Leaves: same paths, same values. nlohmann sorts keys and keeps the
        // last of duplicates, so compare as maps.
        Collect c;
        runlog::visit_leaves(doc, c);
        std::vector<std::pair<std::string, json>> expect;
        std::string path;
        if (!theirs.empty()) flatten(theirs, path, expect, true);
        std::map<std::string, json> mine(c.leaves.begin(), c.leaves.end());
        std::map<std::string, json> want;
        for (auto &kv : expect) want[kv.first] = kv.second;
        for (auto &kv : c.leaves) mine[kv.first] = kv.second;  // last duplicate wins
        // (Duplicate keys: nlohmann keeps the last; the scanner reports every
        // leaf in order, so it may hold extra paths. All of nlohmann's leaves
        // must be there with the same value.)
        if (mine.size() != want.size()) ++duplicates;
        for (auto &[k, v] : want) {
            ASSERT_TRUE(mine.count(k)) << doc;
            ASSERT_TRUE(same_number(mine[k], v)) << doc << " key " << k << ": " << mine[k] << " vs " << v;
        }
        // Compacting keeps the meaning.
        std::string compact;
        runlog::append_compact(doc, compact);
        ASSERT_EQ(json::parse(compact), theirs) << doc;
        // Top-level member spans are the members.
        ASSERT_LE(theirs.size(), scan.members.size());
        for (const auto &m : scan.members) {
            std::string key = runlog::member_key(doc, m);
            ASSERT_TRUE(theirs.contains(key)) << key;
            json v = json::parse(doc.substr(m.val_off, m.val_len), nullptr, false);
            ASSERT_FALSE(v.is_discarded()) << doc.substr(m.val_off, m.val_len);
        }
    }
    std::printf("accepted %d, rejected %d, with duplicate keys %d\n", accepted, rejected, duplicates);
    EXPECT_GT(accepted, 5000);
    EXPECT_GT(rejected, 2000);
}

TEST(JsonScanDiff, NonFiniteTokensAreAcceptedAndReported) {
    std::string doc = R"({"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN], "e": {"f": -Infinity}})";
    runlog::ScannedObject scan;
    ASSERT_EQ(runlog::scan_json_object(doc, scan, nullptr), runlog::JsonError::None);
    Collect c;
    runlog::visit_leaves(doc, c);
    ASSERT_EQ(c.leaves.size(), 5u);
    EXPECT_TRUE(std::isnan(c.leaves[0].second.get<double>()));
    EXPECT_EQ(c.leaves[1].second.get<double>(), HUGE_VAL);
    EXPECT_EQ(c.leaves[2].second.get<double>(), -HUGE_VAL);
    EXPECT_EQ(c.leaves[4].first, std::string("e\0f", 3));
    for (const char *bad : {"{\"a\": nan}", "{\"a\": -NaN}", "{\"a\": Inf}", "{\"a\": +1}", "{\"a\": 01}"}) {
        EXPECT_NE(runlog::scan_json_object(bad, scan, nullptr), runlog::JsonError::None) << bad;
    }
}

TEST(JsonScanDiff, ClassifiesErrors) {
    runlog::ScannedObject scan;
    std::string msg;
    EXPECT_EQ(runlog::scan_json_object("[1,2]", scan, &msg), runlog::JsonError::NotObject);
    EXPECT_NE(msg.find("array"), std::string::npos);
    EXPECT_EQ(runlog::scan_json_object("{\"a\":\"\xff\"}", scan, &msg), runlog::JsonError::InvalidUtf8);
    EXPECT_EQ(runlog::scan_json_object("{\"a\":\"\xed\xa0\x80\"}", scan, &msg), runlog::JsonError::InvalidUtf8);
    EXPECT_EQ(runlog::scan_json_object("{\"a\":1,}", scan, &msg), runlog::JsonError::InvalidJson);
    EXPECT_NE(msg.find("byte"), std::string::npos);
    EXPECT_EQ(runlog::scan_json_object("", scan, &msg), runlog::JsonError::InvalidJson);
    EXPECT_EQ(runlog::scan_json_object("{\"a\":\"\\ud800\"}", scan, &msg), runlog::JsonError::InvalidJson);
    std::string deep(600, '[');
    std::string doc = "{\"a\":" + deep + std::string(600, ']') + "}";
    EXPECT_EQ(runlog::scan_json_object(doc, scan, &msg), runlog::JsonError::InvalidJson);
    EXPECT_NE(msg.find("deeply"), std::string::npos);
}
