// Output helpers: aligned tables, CSV fields, strict JSON for scripts, and
// formatting of times, sizes and untrusted text for a terminal.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "json_text.h"

namespace runlog::cli {

// A text table: columns padded to their widest cell, two spaces apart.
class Table {
public:
    explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    std::string render() const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// Text from a journal made safe for a terminal: control characters
// (C0, DEL, C1) and invalid UTF-8 become '?'. Cut to max_chars characters
// (with "…") when max_chars > 0.
std::string printable(std::string_view text, size_t max_chars = 0);
// Number of characters (UTF-8 code points) in valid UTF-8 text.
size_t display_width(std::string_view text);

// One CSV field (RFC 4180): quoted when it holds a comma, a double quote,
// CR or LF; quotes inside are doubled.
std::string csv_field(std::string_view text);
// The CSV cell of a JSON value: strings as themselves, null as an empty cell,
// numbers and booleans as their JSON text (NaN, Infinity, -Infinity
// included), arrays and objects as JSON text.
std::string csv_cell_text(const json &value);
// Flattens an object into (dotted key, leaf) pairs: nested non-empty objects
// are walked, everything else (arrays, empty objects, scalars) is a leaf.
void flatten(const json &object, const std::string &prefix,
             std::vector<std::pair<std::string, const json *>> &out);

// Strict JSON text (RFC 8259) for --json output: non-finite numbers become
// the strings "NaN", "Infinity", "-Infinity"; invalid UTF-8 is replaced.
std::string script_json(const json &value, int indent = 2);

// Unix seconds as local "YYYY-MM-DD HH:MM:SS"; "" when not a plausible time.
std::string local_time_text(double unix_seconds);
// A run directory's stamp "YYYYMMDD_HHMMSS" as "YYYY-MM-DD HH:MM:SS".
std::string dir_stamp_text(const std::string &stamp);
// 3725.5 → "1h 2m 5s"; 12.25 → "12.2s".
std::string duration_text(double seconds);
// 1536 → "1536 bytes (1.5 KiB)".
std::string size_text(uint64_t bytes);

// Writes all of text to f; throws cli::Error when the write fails.
void write_out(FILE *f, std::string_view text, const std::string &what);

}  // namespace runlog::cli
