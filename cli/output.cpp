#include "output.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>

#include "cli.h"

namespace runlog::cli {

// ---- Text for terminals ---------------------------------------------------

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
    else return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (b(i + k) & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

}  // namespace

std::string printable(std::string_view text, size_t max_chars) {
    std::string out;
    out.reserve(text.size());
    size_t chars = 0;
    for (size_t i = 0; i < text.size();) {
        if (max_chars && chars == max_chars) {
            // Replace the last character with an ellipsis.
            while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
            if (!out.empty()) out.pop_back();
            out += "\u2026";
            return out;
        }
        const size_t n = utf8_sequence(text, i);
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (n == 0 || c < 0x20 || c == 0x7F) {
            out.push_back('?');
            i += n ? n : 1;
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            out.push_back('?');  // C1 control (e.g. CSI 0x9B)
            i += 2;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
        ++chars;
    }
    return out;
}

size_t display_width(std::string_view text) {
    size_t w = 0;
    for (char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++w;
    return w;
}

std::string Table::render() const {
    std::vector<size_t> width(headers_.size(), 0);
    auto measure = [&](const std::vector<std::string> &row) {
        for (size_t c = 0; c < row.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], display_width(row[c]));
    };
    measure(headers_);
    for (const auto &r : rows_) measure(r);
    std::string out;
    auto line = [&](const std::vector<std::string> &row) {
        std::string l;
        for (size_t c = 0; c < width.size(); ++c) {
            const std::string cell = c < row.size() ? row[c] : std::string();
            l += cell;
            if (c + 1 < width.size()) l.append(width[c] - display_width(cell) + 2, ' ');
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l;
        out += '\n';
    };
    line(headers_);
    for (const auto &r : rows_) line(r);
    return out;
}

// ---- CSV --------------------------------------------------------------------

std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string csv_cell_text(const json &value) {
    if (value.is_null()) return {};
    if (value.is_string()) return value.get<std::string>();
    return to_json_text(value);
}

void flatten(const json &object, const std::string &prefix,
             std::vector<std::pair<std::string, const json *>> &out) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (it.value().is_object() && !it.value().empty()) flatten(it.value(), key, out);
        else out.emplace_back(std::move(key), &it.value());
    }
}

// ---- Strict JSON --------------------------------------------------------------

namespace {

json strict_copy(const json &v) {
    switch (v.type()) {
        case json::value_t::number_float: {
            const double d = v.get<double>();
            if (std::isnan(d)) return "NaN";
            if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
            return v;
        }
        case json::value_t::array: {
            json out = json::array();
            for (const auto &e : v) out.push_back(strict_copy(e));
            return out;
        }
        case json::value_t::object: {
            json out = json::object();
            for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = strict_copy(it.value());
            return out;
        }
        case json::value_t::binary:
        case json::value_t::discarded: return nullptr;
        default: return v;
    }
}

}  // namespace

std::string script_json(const json &value, int indent) {
    return strict_copy(value).dump(indent, ' ', false, json::error_handler_t::replace);
}

// ---- Times and sizes ------------------------------------------------------------

std::string local_time_text(double t) {
    // Plausible: after 1970 and before the year 5000.
    if (!std::isfinite(t) || t <= 0 || t > 95617584000.0) return {};
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    if (!localtime_r(&tt, &tm)) return {};
    char buf[64];
    if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm) == 0) return {};
    return buf;
}

std::string dir_stamp_text(const std::string &s) {
    if (s.size() != 15) return s;
    return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + " " + s.substr(9, 2) + ":" +
           s.substr(11, 2) + ":" + s.substr(13, 2);
}

std::string duration_text(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "-";
    char buf[64];
    if (seconds < 60) {
        std::snprintf(buf, sizeof buf, "%.1fs", seconds);
        return buf;
    }
    if (seconds > 1e12) return "-";
    const long long s = static_cast<long long>(seconds);
    if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm %llds", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lldh %lldm %llds", s / 3600, s % 3600 / 60, s % 60);
    return buf;
}

std::string size_text(uint64_t bytes) {
    std::string out = std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    if (bytes >= 1024) {
        static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
        double v = double(bytes) / 1024;
        size_t u = 0;
        while (v >= 1024 && u + 1 < 4) v /= 1024, ++u;
        char buf[32];
        std::snprintf(buf, sizeof buf, " (%.1f %s)", v, units[u]);
        out += buf;
    }
    return out;
}

void write_out(FILE *f, std::string_view text, const std::string &what) {
    if (text.empty()) return;
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
        const int e = errno;
        throw Error("cannot write " + what + ": " + std::strerror(e),
                    "check that the disk has room and the destination is writable");
    }
}

}  // namespace runlog::cli
