#include "json_scan.h"

#include "summary.h"
#include "utf8.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace runlog {
namespace {

struct Scanner {
    const char *begin;
    const char *p;
    const char *end;
    std::string *msg;
    bool ws = false;
    JsonError err = JsonError::None;

    bool fail(const char *what) {
        if (err == JsonError::None) {
            err = JsonError::InvalidJson;
            if (msg) *msg = "syntax error at byte " + std::to_string(p - begin) + ": " + what;
        }
        return false;
    }
    bool fail_utf8() {
        if (err == JsonError::None) {
            err = JsonError::InvalidUtf8;
            if (msg)
                *msg = "invalid UTF-8 at byte " + std::to_string(p - begin) +
                       "; runlog needs UTF-8 text (convert strings before logging)";
        }
        return false;
    }
    void skip_ws() {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
            ws = true;
            ++p;
        }
    }
    bool literal(const char *lit, size_t n) {
        if (size_t(end - p) < n || std::memcmp(p, lit, n) != 0) return fail("invalid literal");
        p += n;
        return true;
    }
    bool hex4(uint32_t &cp) {
        if (end - p < 4) return false;
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            char c = p[i];
            cp <<= 4;
            if (c >= '0' && c <= '9') cp |= uint32_t(c - '0');
            else if (c >= 'a' && c <= 'f') cp |= uint32_t(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') cp |= uint32_t(c - 'A' + 10);
            else return false;
        }
        p += 4;
        return true;
    }
    // p at the opening quote; leaves p after the closing quote.
    bool string(bool &escaped) {
        ++p;
        for (;;) {
            while (p < end) {
                unsigned char c = static_cast<unsigned char>(*p);
                if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
                ++p;
            }
            if (p >= end) return fail("the string is not terminated");
            unsigned char c = static_cast<unsigned char>(*p);
            if (c == '"') {
                ++p;
                return true;
            }
            if (c == '\\') {
                escaped = true;
                ++p;
                if (p >= end) return fail("the string is not terminated");
                switch (*p) {
                    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                        ++p;
                        break;
                    case 'u': {
                        ++p;
                        uint32_t cp;
                        if (!hex4(cp)) return fail("\\u must be followed by 4 hex digits");
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                            uint32_t lo;
                            if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return fail("unpaired UTF-16 surrogate in \\u escape");
                            p += 2;
                            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF)
                                return fail("unpaired UTF-16 surrogate in \\u escape");
                        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                            return fail("unpaired UTF-16 surrogate in \\u escape");
                        }
                        break;
                    }
                    default: return fail("invalid escape in string");
                }
                continue;
            }
            if (c < 0x20) return fail("control character in a string: escape it (\\n, \\t, \\u00XX)");
            const size_t len =
                utf8_sequence_length(reinterpret_cast<const unsigned char *>(p), size_t(end - p));
            if (!len) return fail_utf8();
            p += len;
        }
    }
    static bool digit(char c) { return c >= '0' && c <= '9'; }
    bool number() {
        const char *start = p;
        if (*p == '-') {
            ++p;
            if (p < end && *p == 'I') return literal("Infinity", 8);
        }
        if (p >= end) return fail("a number ends too early");
        if (*p == '0') ++p;
        else if (*p >= '1' && *p <= '9')
            while (p < end && digit(*p)) ++p;
        else return fail("invalid number");
        if (p < end && *p == '.') {
            ++p;
            if (p >= end || !digit(*p)) return fail("a digit must follow the decimal point");
            while (p < end && digit(*p)) ++p;
        }
        bool exponent = false;
        if (p < end && (*p == 'e' || *p == 'E')) {
            exponent = true;
            ++p;
            if (p < end && (*p == '+' || *p == '-')) ++p;
            if (p >= end || !digit(*p)) return fail("a digit must follow the exponent");
            while (p < end && digit(*p)) ++p;
        }
        // Only an exponent or hundreds of digits can leave double's range;
        // like nlohmann/json, refuse numbers that would become infinite.
        if (exponent || p - start > 300) {
            std::string t(start, size_t(p - start));
            if (!std::isfinite(std::strtod(t.c_str(), nullptr)))
                return fail("the number is out of the range of a double");
        }
        return true;
    }
    bool value(int depth) {
        if (p >= end) return fail("a value is missing");
        switch (*p) {
            case '{': return object(depth + 1, nullptr);
            case '[': return array(depth + 1);
            case '"': {
                bool escaped = false;
                return string(escaped);
            }
            case 't': return literal("true", 4);
            case 'f': return literal("false", 5);
            case 'n': return literal("null", 4);
            case 'N': return literal("NaN", 3);
            case 'I': return literal("Infinity", 8);
            default:
                if (*p == '-' || digit(*p)) return number();
                return fail("unexpected character where a value should start");
        }
    }
    bool array(int depth) {
        if (depth > kMaxJsonDepth) return fail("the value is nested too deeply (over 512 levels)");
        ++p;
        skip_ws();
        if (p < end && *p == ']') {
            ++p;
            return true;
        }
        for (;;) {
            skip_ws();
            if (!value(depth)) return false;
            skip_ws();
            if (p >= end) return fail("the array is not closed: expected ',' or ']'");
            if (*p == ',') {
                ++p;
                continue;
            }
            if (*p == ']') {
                ++p;
                return true;
            }
            return fail("expected ',' or ']' in the array");
        }
    }
    bool object(int depth, std::vector<JsonMember> *members) {
        if (depth > kMaxJsonDepth) return fail("the value is nested too deeply (over 512 levels)");
        ++p;
        skip_ws();
        if (p < end && *p == '}') {
            ++p;
            return true;
        }
        for (;;) {
            skip_ws();
            if (p >= end || *p != '"') return fail("expected a string key in the object");
            JsonMember m;
            m.key_off = uint32_t(p - begin + 1);
            bool escaped = false;
            if (!string(escaped)) return false;
            m.key_len = uint32_t(p - begin - 1) - m.key_off;
            m.key_escaped = escaped;
            skip_ws();
            if (p >= end || *p != ':') return fail("expected ':' after the object key");
            ++p;
            skip_ws();
            m.val_off = uint32_t(p - begin);
            if (!value(depth)) return false;
            m.val_len = uint32_t(p - begin) - m.val_off;
            if (members) members->push_back(m);
            skip_ws();
            if (p >= end) return fail("the object is not closed: expected ',' or '}'");
            if (*p == ',') {
                ++p;
                continue;
            }
            if (*p == '}') {
                ++p;
                return true;
            }
            return fail("expected ',' or '}' in the object");
        }
    }
};

const char *type_of(char c) {
    switch (c) {
        case '[': return "array";
        case '"': return "string";
        case 't': case 'f': return "boolean";
        case 'n': return "null";
        default: return "number";
    }
}

}  // namespace

JsonError scan_json_object(std::string_view text, ScannedObject &out, std::string *message) {
    out.members.clear();
    out.has_whitespace = false;
    if (text.size() >= UINT32_MAX) {
        if (message) *message = "the text is over 4 GiB";
        return JsonError::InvalidJson;
    }
    Scanner s{text.data(), text.data(), text.data() + text.size(), message};
    s.skip_ws();
    if (s.p < s.end && *s.p != '{') {
        const char first = *s.p;
        if (s.value(0)) {
            s.skip_ws();
            if (s.p == s.end) {
                if (message)
                    *message = std::string("expected a JSON object like {\"loss\": 0.5}, got ") + type_of(first);
                return JsonError::NotObject;
            }
            s.fail("unexpected text after the value");
        }
    } else if (s.p >= s.end) {
        s.fail("the text is empty");
    } else if (s.object(1, &out.members)) {
        s.skip_ws();
        if (s.p == s.end) {
            out.has_whitespace = s.ws;
            return JsonError::None;
        }
        s.fail("unexpected text after the object");
    }
    // Bad bytes anywhere make it a UTF-8 problem first: that is the fix to name.
    if (s.err == JsonError::InvalidJson) {
        size_t bad = find_invalid_utf8(text);
        if (bad != std::string_view::npos) {
            if (message)
                *message = "invalid UTF-8 at byte " + std::to_string(bad) +
                           "; runlog needs UTF-8 text (convert strings before logging)";
            return JsonError::InvalidUtf8;
        }
    }
    return s.err;
}

std::string member_key(std::string_view text, const JsonMember &m) {
    std::string_view raw = text.substr(m.key_off, m.key_len);
    if (!m.key_escaped) return std::string(raw);
    std::string quoted;
    quoted.reserve(raw.size() + 2);
    quoted.push_back('"');
    quoted.append(raw);
    quoted.push_back('"');
    json j = json::parse(quoted, nullptr, false);
    return j.is_string() ? j.get<std::string>() : std::string(raw);
}

void append_compact(std::string_view text, std::string &out) {
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\') out.push_back(text[++i]);
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out.push_back(c);
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out.push_back(c);
        }
    }
}

namespace {

struct Walker {
    const char *begin;
    const char *p;
    const char *end;
    LeafVisitor &visitor;
    std::string path;

    void ws() {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    }
    // Skips a validated value, returning where it ends.
    const char *skip(const char *from) {
        Scanner s{begin, from, end, nullptr};
        s.value(0);
        return s.p;
    }
    void leaf() {
        const char *start = p;
        const char c = *p;
        if (c == '-' || (c >= '0' && c <= '9')) {
            p = skip(p);
            std::string_view t(start, size_t(p - start));
            if (t == "-Infinity") return visitor.number(path, -HUGE_VAL);
            if (t.find_first_of(".eE") == std::string_view::npos) {
                int64_t i;
                auto r = std::from_chars(t.data(), t.data() + t.size(), i);
                if (r.ec == std::errc()) return visitor.integer(path, i);
            }
            double d;
            auto r = std::from_chars(t.data(), t.data() + t.size(), d);
            if (r.ec == std::errc()) return visitor.number(path, d);
            // Out of double range (1e999): let nlohmann decide, as everywhere else.
            json j;
            parse_json_value(t, j, nullptr);
            return visitor.other(path, j);
        }
        if (c == 'N') {
            p += 3;
            return visitor.number(path, std::nan(""));
        }
        if (c == 'I') {
            p += 8;
            return visitor.number(path, HUGE_VAL);
        }
        if (c == 't' || c == 'f' || c == 'n') {
            p = skip(p);
            return visitor.other(path, c == 'n' ? json(nullptr) : json(c == 't'));
        }
        p = skip(p);
        std::string_view t(start, size_t(p - start));
        if (c == '"') {
            if (t.find('\\') == std::string_view::npos)
                return visitor.other(path, json(std::string(t.substr(1, t.size() - 2))));
        }
        json j;
        parse_json_value(t, j, nullptr);
        visitor.other(path, j);
    }
    void object(bool top) {
        ++p;  // '{'
        ws();
        if (*p == '}') {
            ++p;
            return;
        }
        const size_t base = path.size();
        for (;;) {
            ws();
            const char *kstart = p;
            Scanner s{begin, p, end, nullptr};
            bool escaped = false;
            s.string(escaped);
            p = s.p;
            if (!top) path.push_back(Summary::kSep);  // not `base`: a key may be ""
            if (escaped) {
                JsonMember m;
                m.key_off = uint32_t(kstart + 1 - begin);
                m.key_len = uint32_t(p - 1 - kstart - 1);
                m.key_escaped = true;
                path += member_key(std::string_view(begin, size_t(end - begin)), m);
            } else {
                path.append(kstart + 1, size_t(p - kstart - 2));
            }
            ws();
            ++p;  // ':'
            ws();
            if (*p == '{') {
                // Empty objects are leaves; others are walked.
                const char *q = p + 1;
                while (q < end && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')) ++q;
                if (*q == '}') leaf();
                else object(false);
            } else {
                leaf();
            }
            path.resize(base);
            ws();
            if (*p == ',') {
                ++p;
                continue;
            }
            ++p;  // '}'
            return;
        }
    }
};

}  // namespace

void visit_leaves(std::string_view text, LeafVisitor &visitor) {
    Walker w{text.data(), text.data(), text.data() + text.size(), visitor, {}};
    w.path.reserve(64);
    w.ws();
    if (w.p < w.end && *w.p == '{') w.object(true);
}

}  // namespace runlog
