// A strict, allocation-free JSON scanner for log()'s hot path.
//
// nlohmann/json stays the parser for everything else; on the hot path its DOM
// (a std::map node per key) and glibc's strtod cost ~5 µs for a 10-key row.
// This scanner validates RFC 8259 text (plus W&B's bare NaN, Infinity and
// -Infinity), checks UTF-8 inside strings, and reports the spans of an
// object's top-level members, so a row can be journaled as the caller's own
// text with runlog's stamps spliced in. It is differential-fuzzed against
// nlohmann/json (tests/unit/json_scan_fuzz_test.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json_text.h"

namespace runlog {

struct JsonMember {
    uint32_t key_off = 0, key_len = 0;  // the key's characters, without quotes (escapes raw)
    uint32_t val_off = 0, val_len = 0;  // the value's text
    bool key_escaped = false;           // the key holds backslash escapes
};

struct ScannedObject {
    std::vector<JsonMember> members;
    bool has_whitespace = false;        // whitespace outside strings (compact before journaling)
};

constexpr int kMaxJsonDepth = 512;

// Validates text as one JSON object. On failure returns the error with a
// message naming the byte offset and what was expected.
JsonError scan_json_object(std::string_view text, ScannedObject &out, std::string *message);

// The member's key, unescaped.
std::string member_key(std::string_view text, const JsonMember &m);

// Copies validated JSON text without insignificant whitespace.
void append_compact(std::string_view text, std::string &out);

// Calls observe(path, value) for every leaf of a validated JSON value: nested
// objects are walked (path parts joined with '\0'), everything else — numbers,
// strings, booleans, null, arrays, empty objects — is a leaf.
class LeafVisitor {
public:
    virtual ~LeafVisitor() = default;
    virtual void number(const std::string &path, double value) = 0;
    virtual void integer(const std::string &path, int64_t value) = 0;
    virtual void other(const std::string &path, const json &value) = 0;
};
void visit_leaves(std::string_view validated_object_text, LeafVisitor &visitor);

}  // namespace runlog
