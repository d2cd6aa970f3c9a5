// JSON text in and out, the W&B way: bare NaN, Infinity and -Infinity are
// accepted and written (W&B's clients emit them), doubles keep a decimal point
// so they read back as floats, and every failure says what and where.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace runlog {

using json = nlohmann::json;

enum class JsonError { None, InvalidUtf8, InvalidJson, NotObject };

// Parses text that must be a JSON object. On failure returns the error and a
// message naming the position; out is left unspecified.
JsonError parse_json_object(std::string_view text, json &out, std::string *message);
// Parses any JSON value (same NaN rules).
JsonError parse_json_value(std::string_view text, json &out, std::string *message);

// Offset of the first byte that is not valid UTF-8, or npos.
size_t find_invalid_utf8(std::string_view text);

// Appends the JSON text of v. Non-finite doubles become NaN / Infinity / -Infinity.
void write_json(const json &v, std::string &out);
void write_json_string(std::string_view s, std::string &out);
void write_json_double(double d, std::string &out);
void write_json_int(int64_t i, std::string &out);
std::string to_json_text(const json &v);

}  // namespace runlog
