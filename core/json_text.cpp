#include "json_text.h"

#include "utf8.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace runlog {
namespace {

// Bare NaN / Infinity / -Infinity are rewritten into placeholder strings
// while nlohmann parses the text (it follows RFC 8259 strictly), then turned
// back into numbers. The placeholder holds a NUL and a marker that the text
// itself does not contain, so no string the user logged can be mistaken for one.
struct Placeholders {
    std::string nan, pos_inf, neg_inf;  // JSON string tokens
    std::string nan_value, pos_value, neg_value;  // their decoded values
    explicit Placeholders(std::string_view text) {
        std::string marker = "runlog";
        for (int k = 0; text.find(marker) != std::string_view::npos; ++k) marker = "runlog" + std::to_string(k);
        auto make = [&](const char *what, std::string &token, std::string &value) {
            token = "\"\\u0000" + marker + ":" + what + "\"";
            value = std::string(1, '\0') + marker + ":" + what;
        };
        make("NaN", nan, nan_value);
        make("+Inf", pos_inf, pos_value);
        make("-Inf", neg_inf, neg_value);
    }
};

bool has_bare_nonfinite(std::string_view text) {
    return text.find("NaN") != std::string_view::npos ||
           text.find("Infinity") != std::string_view::npos;
}

std::string rewrite_nonfinite(std::string_view text, const Placeholders &ph) {
    std::string out;
    out.reserve(text.size() + 64);
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out.push_back(c);
        } else if (text.compare(i, 3, "NaN") == 0) {
            out.append(ph.nan);
            i += 2;
        } else if (text.compare(i, 8, "Infinity") == 0) {
            out.append(ph.pos_inf);
            i += 7;
        } else if (text.compare(i, 9, "-Infinity") == 0) {
            out.append(ph.neg_inf);
            i += 8;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Turns placeholders back into numbers; false if one sits where only a string
// may (an object key): the original text was not valid JSON there.
bool restore_nonfinite(json &v, const Placeholders &ph) {
    if (v.is_string()) {
        const auto &s = v.get_ref<const std::string &>();
        if (!s.empty() && s[0] == '\0') {
            if (s == ph.nan_value) v = std::nan("");
            else if (s == ph.pos_value) v = HUGE_VAL;
            else if (s == ph.neg_value) v = -HUGE_VAL;
        }
    } else if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string &k = it.key();
            if (k == ph.nan_value || k == ph.pos_value || k == ph.neg_value) return false;
            if (!restore_nonfinite(it.value(), ph)) return false;
        }
    } else if (v.is_array()) {
        for (auto &item : v)
            if (!restore_nonfinite(item, ph)) return false;
    }
    return true;
}

std::string describe_parse_error(std::string_view text) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    try {
        json ignored = json::parse(text.begin(), text.end());
        (void)ignored;
    } catch (const json::parse_error &e) {
        // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
        std::string what = e.what();
        auto pos = what.find("] ");
        return pos == std::string::npos ? what : what.substr(pos + 2);
    } catch (...) {
    }
#else
    (void)text;
#endif
    return "syntax error";
}

}  // namespace

size_t find_invalid_utf8(std::string_view text) {
    const auto *s = reinterpret_cast<const unsigned char *>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        const size_t len = utf8_sequence_length(s + i, n - i);
        if (!len) return i;
        i += len;
    }
    return std::string_view::npos;
}

JsonError parse_json_value(std::string_view text, json &out, std::string *message) {
    out = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (!out.is_discarded()) return JsonError::None;
    if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
        if (message)
            *message = "invalid UTF-8 at byte " + std::to_string(bad) +
                       "; runlog needs UTF-8 text (convert strings before logging)";
        return JsonError::InvalidUtf8;
    }
    if (has_bare_nonfinite(text)) {
        const Placeholders ph(text);
        out = json::parse(rewrite_nonfinite(text, ph), nullptr, false);
        if (!out.is_discarded() && restore_nonfinite(out, ph)) return JsonError::None;
    }
    if (message) *message = describe_parse_error(text);
    return JsonError::InvalidJson;
}

JsonError parse_json_object(std::string_view text, json &out, std::string *message) {
    JsonError e = parse_json_value(text, out, message);
    if (e != JsonError::None) return e;
    if (!out.is_object()) {
        if (message)
            *message = std::string("expected a JSON object like {\"loss\": 0.5}, got ") +
                       out.type_name();
        return JsonError::NotObject;
    }
    return JsonError::None;
}

void write_json_string(std::string_view s, std::string &out) {
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    size_t run = 0;  // start of a run of bytes needing no escape
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            default:
                out.append("\\u00");
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 15]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

void write_json_double(double d, std::string &out) {
    if (std::isnan(d)) {
        out.append("NaN");
        return;
    }
    if (std::isinf(d)) {
        out.append(d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char buf[40];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    size_t n = size_t(r.ptr - buf);
    out.append(buf, n);
    // Keep the value a float when read back: 5.0 stays 5.0, not 5.
    if (std::memchr(buf, '.', n) == nullptr && std::memchr(buf, 'e', n) == nullptr) out.append(".0");
}

void write_json_int(int64_t i, std::string &out) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, i);
    out.append(buf, size_t(r.ptr - buf));
}

void write_json(const json &v, std::string &out) {
    switch (v.type()) {
        case json::value_t::null: out.append("null"); break;
        case json::value_t::boolean: out.append(v.get<bool>() ? "true" : "false"); break;
        case json::value_t::number_integer: write_json_int(v.get<int64_t>(), out); break;
        case json::value_t::number_unsigned: {
            char buf[24];
            auto r = std::to_chars(buf, buf + sizeof buf, v.get<uint64_t>());
            out.append(buf, size_t(r.ptr - buf));
            break;
        }
        case json::value_t::number_float: write_json_double(v.get<double>(), out); break;
        case json::value_t::string: write_json_string(v.get_ref<const std::string &>(), out); break;
        case json::value_t::array: {
            out.push_back('[');
            bool first = true;
            for (const auto &e : v) {
                if (!first) out.push_back(',');
                first = false;
                write_json(e, out);
            }
            out.push_back(']');
            break;
        }
        case json::value_t::object: {
            out.push_back('{');
            bool first = true;
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (!first) out.push_back(',');
                first = false;
                write_json_string(it.key(), out);
                out.push_back(':');
                write_json(it.value(), out);
            }
            out.push_back('}');
            break;
        }
        case json::value_t::binary:
        case json::value_t::discarded: out.append("null"); break;
    }
}

std::string to_json_text(const json &v) {
    std::string s;
    write_json(v, s);
    return s;
}

}  // namespace runlog
