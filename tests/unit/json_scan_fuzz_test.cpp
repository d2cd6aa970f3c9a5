// The hot-path JSON scanner (core/json_scan.h), differential-fuzzed against
// nlohmann/json: generated documents and mutated ones must get the same
// verdict (valid object / not an object / invalid JSON / invalid UTF-8), the
// same members, and the same leaves as the reference; plus member_key,
// append_compact and visit_leaves on hand-picked cases.
//
// The reference accepts W&B's bare NaN / Infinity / -Infinity by replacing
// each such token outside strings with "[]" (a value that cannot combine
// with a sign, a key position or an adjacent token) before asking nlohmann.
#include "json_scan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "summary.h"
#include "test_util.h"

namespace {

using runlog::json;
using runlog::JsonError;

const char *name(JsonError e) {
    switch (e) {
        case JsonError::None: return "None";
        case JsonError::InvalidUtf8: return "InvalidUtf8";
        case JsonError::InvalidJson: return "InvalidJson";
        case JsonError::NotObject: return "NotObject";
    }
    return "?";
}

// Bare non-finite tokens outside strings become "[]".
std::string neutralise_nonfinite(const std::string &text) {
    std::string out;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out.push_back(c);
        } else if (text.compare(i, 9, "-Infinity") == 0) {
            out += "[]";
            i += 8;
        } else if (text.compare(i, 8, "Infinity") == 0) {
            out += "[]";
            i += 7;
        } else if (text.compare(i, 3, "NaN") == 0) {
            out += "[]";
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

JsonError reference_verdict(const std::string &text) {
    if (runlog::find_invalid_utf8(text) != std::string_view::npos) return JsonError::InvalidUtf8;
    json v = json::parse(neutralise_nonfinite(text), nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) return JsonError::InvalidJson;
    return v.is_object() ? JsonError::None : JsonError::NotObject;
}

// ---- generator ----------------------------------------------------------

struct Gen {
    std::mt19937_64 rng;
    explicit Gen(uint64_t seed) : rng(seed) {}
    size_t pick(size_t n) { return size_t(rng() % n); }
    bool chance(int percent) { return int(rng() % 100) < percent; }

    void ws(std::string &out) {
        static const char w[] = {' ', '\t', '\n', '\r'};
        if (chance(25))
            for (size_t n = 1 + pick(3); n--;) out.push_back(w[pick(4)]);
    }
    void string(std::string &out, bool key = false) {
        out.push_back('"');
        const size_t n = key ? 1 + pick(6) : pick(12);
        for (size_t i = 0; i < n; ++i) {
            switch (pick(key ? 6 : 12)) {
                case 0: {
                    static const char *esc[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"};
                    out += esc[pick(8)];
                    break;
                }
                case 1: {
                    static const char *u[] = {"\\u0041", "\\u00e9", "\\u20AC", "\\ud834\\udd1e", "\\u0000",
                                              "\\u001f", "\\uFFFF", "\\u005f"};
                    out += u[pick(8)];
                    break;
                }
                case 2: {
                    static const char *mb[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E", "\x7F", "\xEF\xBF\xBF"};
                    out += mb[pick(5)];
                    break;
                }
                case 3: {
                    static const char *tricky[] = {"NaN", "Infinity", "-Infinity", "{", "}", ":", ",", "[", "]"};
                    out += tricky[pick(9)];
                    break;
                }
                default: out.push_back(char('a' + pick(26)));
            }
        }
        out.push_back('"');
    }
    void number(std::string &out) {
        static const char *fixed[] = {"0", "-0", "1", "-1", "0.5", "-0.0", "5.0", "1e2", "1E+2", "1e-2", "123456789",
                                      "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                                      "18446744073709551615", "18446744073709551616", "1e308", "1.7976931348623157e308",
                                      "1e-400", "4.9e-324", "0.1e1", "1e999", "-1e999", "1.5E-7"};
        if (chance(50)) {
            out += fixed[pick(sizeof fixed / sizeof *fixed)];
            return;
        }
        if (chance(30)) out.push_back('-');
        out += std::to_string(rng() % 100000);
        if (chance(40)) out += "." + std::to_string(rng() % 1000);
        if (chance(20)) out += std::string("e") + (chance(50) ? "-" : "+") + std::to_string(rng() % 40);
    }
    void value(std::string &out, int depth) {
        size_t kind = depth > 6 ? 2 + pick(5) : pick(8);
        switch (kind) {
            case 0: object(out, depth + 1); break;
            case 1: array(out, depth + 1); break;
            case 2: string(out); break;
            case 3:
            case 4: number(out); break;
            case 5: {
                static const char *lit[] = {"true", "false", "null"};
                out += lit[pick(3)];
                break;
            }
            case 6: {
                static const char *nf[] = {"NaN", "Infinity", "-Infinity"};
                out += nf[pick(3)];
                break;
            }
            default: object(out, depth + 1);
        }
    }
    void array(std::string &out, int depth) {
        out.push_back('[');
        ws(out);
        const size_t n = pick(4);
        for (size_t i = 0; i < n; ++i) {
            if (i) out.push_back(',');
            ws(out);
            value(out, depth);
            ws(out);
        }
        out.push_back(']');
    }
    // Keys unique within an object (duplicates are tested on their own).
    void object(std::string &out, int depth) {
        out.push_back('{');
        ws(out);
        const size_t n = pick(5);
        std::set<std::string> keys;
        bool first = true;
        for (size_t i = 0; i < n; ++i) {
            std::string key;
            string(key, true);
            json decoded = json::parse(key, nullptr, false);
            if (decoded.is_discarded() || !keys.insert(decoded.get<std::string>()).second) continue;
            if (!first) out.push_back(',');
            first = false;
            ws(out);
            out += key;
            ws(out);
            out.push_back(':');
            ws(out);
            value(out, depth);
            ws(out);
        }
        out.push_back('}');
    }
    std::string document() {
        std::string out;
        ws(out);
        if (chance(85)) object(out, 0);
        else value(out, 0);
        ws(out);
        return out;
    }
    void mutate(std::string &s) {
        static const std::string interesting = std::string("{}[]:,\"\\ -+.eE0123456789NaIfinty\tu") + "\xFF\xC3\x80\xED\xA0\x00";
        const size_t n = 1 + pick(3);
        for (size_t k = 0; k < n; ++k) {
            const size_t at = s.empty() ? 0 : pick(s.size() + 1);
            switch (pick(5)) {
                case 0:
                    if (!s.empty() && at < s.size()) s.erase(at, 1);
                    break;
                case 1: s.insert(at, 1, interesting[pick(interesting.size())]); break;
                case 2:
                    if (at < s.size()) s[at] = interesting[pick(interesting.size())];
                    break;
                case 3: s.resize(at); break;
                default:
                    if (at < s.size()) s.insert(at, s.substr(at, 1 + pick(8)));
            }
        }
    }
};

// ---- comparisons --------------------------------------------------------

struct Leaf {
    enum { Num, Int, Other } kind;
    double num = 0;
    int64_t i = 0;
    json other;
};

struct Collect final : runlog::LeafVisitor {
    std::map<std::string, Leaf> leaves;
    void number(const std::string &p, double v) override { leaves[p] = Leaf{Leaf::Num, v, 0, json()}; }
    void integer(const std::string &p, int64_t v) override { leaves[p] = Leaf{Leaf::Int, 0, v, json()}; }
    void other(const std::string &p, const json &v) override { leaves[p] = Leaf{Leaf::Other, 0, 0, v}; }
};

// The reference leaves of a parsed value (walks non-empty objects).
void reference_leaves(const json &v, std::string &path, bool top, std::map<std::string, json> &out) {
    if (top && v.is_object() && v.empty()) return;  // an empty row has no leaves
    if (v.is_object() && !v.empty()) {
        const size_t base = path.size();
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!top) path.push_back(runlog::Summary::kSep);
            path += it.key();
            reference_leaves(it.value(), path, false, out);
            path.resize(base);
        }
        return;
    }
    out[path] = v;
}

::testing::AssertionResult same_leaves(const std::string &text) {
    json ref;
    if (runlog::parse_json_object(text, ref, nullptr) != JsonError::None)
        return ::testing::AssertionFailure() << "the reference cannot parse it";
    std::map<std::string, json> want;
    std::string path;
    reference_leaves(ref, path, true, want);
    Collect got;
    runlog::visit_leaves(text, got);
    if (got.leaves.size() != want.size())
        return ::testing::AssertionFailure() << got.leaves.size() << " leaves, expected " << want.size();
    for (const auto &[p, w] : want) {
        auto it = got.leaves.find(p);
        if (it == got.leaves.end()) return ::testing::AssertionFailure() << "leaf missing";
        const Leaf &g = it->second;
        const bool ref_int = w.is_number_integer() &&
                             (!w.is_number_unsigned() || w.get<uint64_t>() <= uint64_t(INT64_MAX));
        if (ref_int) {
            if (g.kind != Leaf::Int || g.i != w.get<int64_t>())
                return ::testing::AssertionFailure() << "integer leaf " << w.dump() << " differs";
        } else if (w.is_number()) {
            const double d = w.get<double>();
            // Out-of-range spellings (1e-400) may come through other() as a parsed number.
            const double gd = g.kind == Leaf::Other && g.other.is_number() ? g.other.get<double>() : g.num;
            if ((g.kind != Leaf::Num && !(g.kind == Leaf::Other && g.other.is_number())) ||
                !(gd == d || (std::isnan(gd) && std::isnan(d))))
                return ::testing::AssertionFailure() << "number leaf " << runlog::to_json_text(w) << " differs";
        } else if (g.kind != Leaf::Other || runlog::to_json_text(g.other) != runlog::to_json_text(w)) {
            return ::testing::AssertionFailure() << "leaf " << runlog::to_json_text(w) << " differs, got "
                                                 << runlog::to_json_text(g.other);
        }
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult same_members(const std::string &text, const runlog::ScannedObject &scan) {
    json ref;
    if (runlog::parse_json_object(text, ref, nullptr) != JsonError::None)
        return ::testing::AssertionFailure() << "the reference cannot parse it";
    json rebuilt = json::object();
    for (const auto &m : scan.members) {
        json v;
        const std::string value(text.substr(m.val_off, m.val_len));
        if (runlog::parse_json_value(value, v, nullptr) != JsonError::None)
            return ::testing::AssertionFailure() << "member value span " << value << " does not parse";
        rebuilt[runlog::member_key(text, m)] = v;
    }
    if (runlog::to_json_text(rebuilt) != runlog::to_json_text(ref))
        return ::testing::AssertionFailure() << "members " << runlog::to_json_text(rebuilt) << " != reference "
                                             << runlog::to_json_text(ref);
    // append_compact keeps the meaning and drops the white space
    std::string compact;
    runlog::append_compact(text, compact);
    runlog::ScannedObject again;
    if (runlog::scan_json_object(compact, again, nullptr) != JsonError::None)
        return ::testing::AssertionFailure() << "the compacted text is not valid: " << compact;
    if (again.has_whitespace) return ::testing::AssertionFailure() << "white space left in " << compact;
    json back;
    runlog::parse_json_object(compact, back, nullptr);
    if (runlog::to_json_text(back) != runlog::to_json_text(ref))
        return ::testing::AssertionFailure() << "compacting changed the value: " << compact;
    return ::testing::AssertionSuccess();
}

uint64_t seed_for(const char *what, uint64_t fixed) {
    const uint64_t seed = runlog_test::test_seed(fixed);
    std::cout << "[   seed   ] " << what << ": " << seed << " (set RUNLOG_TEST_SEED to replay)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return seed;
}

TEST(JsonScanFuzz, GeneratedDocumentsAgreeWithNlohmann) {
    Gen g(seed_for("json-scan-generated", 5001));
    int objects = 0;
    for (int iter = 0; iter < 6000; ++iter) {
        const std::string text = g.document();
        runlog::ScannedObject scan;
        std::string msg;
        const JsonError got = runlog::scan_json_object(text, scan, &msg);
        const JsonError want = reference_verdict(text);
        ASSERT_EQ(name(got), std::string(name(want))) << "text: " << text << "\nscanner: " << msg;
        if (got != JsonError::None) {
            ASSERT_FALSE(msg.empty()) << text;
            continue;
        }
        ++objects;
        ASSERT_TRUE(same_members(text, scan)) << "text: " << text;
        ASSERT_TRUE(same_leaves(text)) << "text: " << text;
    }
    EXPECT_GT(objects, 3000);
}

TEST(JsonScanFuzz, MutatedDocumentsAgreeWithNlohmann) {
    Gen g(seed_for("json-scan-mutated", 5002));
    int verdicts[4] = {0, 0, 0, 0};
    for (int iter = 0; iter < 15000; ++iter) {
        std::string text = g.document();
        g.mutate(text);
        runlog::ScannedObject scan;
        std::string msg;
        const JsonError got = runlog::scan_json_object(text, scan, &msg);
        const JsonError want = reference_verdict(text);
        ASSERT_EQ(name(got), std::string(name(want))) << "text: " << ::testing::PrintToString(text)
                                                      << "\nscanner: " << msg;
        verdicts[int(got)]++;
        if (got == JsonError::None) {
            ASSERT_TRUE(same_members(text, scan)) << "text: " << ::testing::PrintToString(text);
        } else {
            ASSERT_FALSE(msg.empty());
        }
    }
    std::cout << "[          ] verdicts: " << verdicts[0] << " valid, " << verdicts[1] << " invalid UTF-8, "
              << verdicts[2] << " invalid JSON, " << verdicts[3] << " not an object" << std::endl;
    EXPECT_GT(verdicts[int(JsonError::InvalidJson)], 1000);
    EXPECT_GT(verdicts[int(JsonError::None)], 1000);
}

TEST(JsonScan, Verdicts) {
    struct Case {
        const char *text;
        JsonError want;
    } cases[] = {
        {"{}", JsonError::None},
        {" {\"a\" : 1 } ", JsonError::None},
        {"{\"a\":NaN,\"b\":-Infinity,\"c\":[Infinity]}", JsonError::None},
        {"{\"a\":-NaN}", JsonError::InvalidJson},
        {"{\"a\":+1}", JsonError::InvalidJson},
        {"{\"a\":01}", JsonError::InvalidJson},
        {"{\"a\":1.}", JsonError::InvalidJson},
        {"{\"a\":.5}", JsonError::InvalidJson},
        {"{\"a\":1e}", JsonError::InvalidJson},
        {"{\"a\":1e999}", JsonError::InvalidJson},
        {"{\"a\":1e-999}", JsonError::None},
        {"{\"a\":\"\\x\"}", JsonError::InvalidJson},
        {"{\"a\":\"\\ud800\"}", JsonError::InvalidJson},
        {"{\"a\":\"\\udc00\\ud800\"}", JsonError::InvalidJson},
        {"{\"a\":\"\\ud834\\udd1e\"}", JsonError::None},
        {"{\"a\":\"tab\there\"}", JsonError::InvalidJson},
        {"{NaN:1}", JsonError::InvalidJson},
        {"{\"a\":1,}", JsonError::InvalidJson},
        {"{\"a\" 1}", JsonError::InvalidJson},
        {"{\"a\":1}{}", JsonError::InvalidJson},
        {"", JsonError::InvalidJson},
        {"   ", JsonError::InvalidJson},
        {"[]", JsonError::NotObject},
        {"NaN", JsonError::NotObject},
        {"\"s\"", JsonError::NotObject},
        {"{\"a\":\"\xFF\"}", JsonError::InvalidUtf8},
        {"{\"a\":1} \xFF", JsonError::InvalidUtf8},
        {"[\"\xC0\xAF\"]", JsonError::InvalidUtf8},
    };
    for (const auto &c : cases) {
        runlog::ScannedObject scan;
        std::string msg;
        EXPECT_EQ(name(runlog::scan_json_object(c.text, scan, &msg)), std::string(name(c.want))) << c.text << ": " << msg;
        EXPECT_EQ(name(reference_verdict(c.text)), std::string(name(c.want))) << "reference on " << c.text;
    }
}

TEST(JsonScan, MessagesNameTheByteOffset) {
    runlog::ScannedObject scan;
    std::string msg;
    EXPECT_EQ(runlog::scan_json_object("{\"a\": }", scan, &msg), JsonError::InvalidJson);
    EXPECT_NE(msg.find("byte 6"), std::string::npos) << msg;
    EXPECT_EQ(runlog::scan_json_object("{\"a\": \"\xE2\x82\"}", scan, &msg), JsonError::InvalidUtf8);
    EXPECT_NE(msg.find("byte 7"), std::string::npos) << msg;
    EXPECT_EQ(runlog::scan_json_object("[1]", scan, &msg), JsonError::NotObject);
    EXPECT_NE(msg.find("array"), std::string::npos) << msg;
    std::string deep = "{\"a\":" + std::string(600, '[') + std::string(600, ']') + "}";
    EXPECT_EQ(runlog::scan_json_object(deep, scan, &msg), JsonError::InvalidJson);
    EXPECT_NE(msg.find("deep"), std::string::npos) << msg;
    std::string ok = "{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}";
    EXPECT_EQ(runlog::scan_json_object(ok, scan, &msg), JsonError::None) << msg;
}

TEST(JsonScan, MembersAndKeys) {
    const std::string text = " { \"a\" : 1 , \"b\\u00e9\\\"\": {\"x\": [1, 2]}, \"\": null } ";
    runlog::ScannedObject scan;
    ASSERT_EQ(runlog::scan_json_object(text, scan, nullptr), JsonError::None);
    ASSERT_EQ(scan.members.size(), 3u);
    EXPECT_TRUE(scan.has_whitespace);
    EXPECT_EQ(runlog::member_key(text, scan.members[0]), "a");
    EXPECT_FALSE(scan.members[0].key_escaped);
    EXPECT_EQ(text.substr(scan.members[0].val_off, scan.members[0].val_len), "1");
    EXPECT_EQ(runlog::member_key(text, scan.members[1]), "b\xC3\xA9\"");
    EXPECT_TRUE(scan.members[1].key_escaped);
    EXPECT_EQ(text.substr(scan.members[1].val_off, scan.members[1].val_len), "{\"x\": [1, 2]}");
    EXPECT_EQ(runlog::member_key(text, scan.members[2]), "");
    runlog::ScannedObject compact;
    ASSERT_EQ(runlog::scan_json_object("{\"a\":1}", compact, nullptr), JsonError::None);
    EXPECT_FALSE(compact.has_whitespace);
    std::string out;
    runlog::append_compact("{ \"a b\" : [ 1 , \"x \\\" y\" ] }", out);
    EXPECT_EQ(out, "{\"a b\":[1,\"x \\\" y\"]}");
}

TEST(JsonScan, DuplicateKeysAreReportedInOrder) {
    const std::string text = "{\"a\":1,\"a\":2,\"\\u0061\":3}";
    runlog::ScannedObject scan;
    ASSERT_EQ(runlog::scan_json_object(text, scan, nullptr), JsonError::None);
    ASSERT_EQ(scan.members.size(), 3u);
    EXPECT_EQ(runlog::member_key(text, scan.members[2]), "a");
    // the leaves: the last value wins, as in the reference
    Collect got;
    runlog::visit_leaves(text, got);
    ASSERT_EQ(got.leaves.size(), 1u);
    EXPECT_EQ(got.leaves["a"].i, 3);
}

TEST(JsonScan, LeafKinds) {
    const std::string text =
        "{\"i\":5,\"f\":5.0,\"e\":1e2,\"big\":18446744073709551615,\"neg\":-7,\"nan\":NaN,\"inf\":Infinity,"
        "\"minf\":-Infinity,\"s\":\"x\\ny\",\"t\":true,\"n\":null,\"arr\":[1,{\"a\":2}],\"empty\":{},"
        "\"nest\":{\"k\":{\"\":1}}}";
    ASSERT_TRUE(same_leaves(text));
    Collect got;
    runlog::visit_leaves(text, got);
    EXPECT_EQ(got.leaves["i"].kind, Leaf::Int);
    EXPECT_EQ(got.leaves["f"].kind, Leaf::Num);
    EXPECT_EQ(got.leaves["e"].kind, Leaf::Num);
    EXPECT_EQ(got.leaves["big"].kind, Leaf::Num);
    EXPECT_TRUE(std::isnan(got.leaves["nan"].num));
    EXPECT_EQ(got.leaves["minf"].num, -HUGE_VAL);
    EXPECT_EQ(got.leaves["s"].other, "x\ny");
    EXPECT_EQ(got.leaves["empty"].other, json::object());
    EXPECT_EQ(got.leaves[std::string("nest\0k\0", 7)].i, 1);
}

}  // namespace
