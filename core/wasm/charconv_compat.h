// Floating-point std::to_chars / std::from_chars for the wasm build.
//
// Debian's Emscripten 3.1.6 ships libc++ 14, which has the integer overloads
// of <charconv> but not the double ones (they arrived in libc++ 16). The core
// formats and scans doubles with them (core/json_text.cpp write_json_double,
// core/json_scan.cpp), so the wasm build force-includes this header
// (-include, core/CMakeLists.txt) to supply the two overloads it uses:
//   - to_chars(first, last, double): the shortest round-trip digits (Grisu2,
//     the algorithm nlohmann's dump() uses, from the same header), laid out
//     like std::to_chars: fixed or scientific, whichever is shorter, fixed on
//     a tie; "1e+16", "1.5e-07", "0.001", "-0";
//   - from_chars(first, last, double&): strtod over the JSON number at first,
//     result_out_of_range when it overflows or underflows (as libstdc++).
// Declaring overloads in namespace std is not something portable code does;
// this is a toolchain shim confined to one old libc++, removed by the guard
// as soon as the library has the real thing (the issue-4 note asks for a
// portable helper in the core instead).
#pragma once
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include <nlohmann/json.hpp>

#if defined(__EMSCRIPTEN__) && defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 16000

namespace std {

inline to_chars_result to_chars(char *first, char *last, double value) {
    char digits[32];
    int len = 0, exp10 = 0;
    char *p = first;
    auto room = [&](ptrdiff_t n) { return last - p >= n; };
    if (std::signbit(value)) {
        if (!room(1)) return {last, errc::value_too_large};
        *p++ = '-';
        value = -value;
    }
    if (value == 0) {
        if (!room(1)) return {last, errc::value_too_large};
        *p++ = '0';
        return {p, errc()};
    }
    // value = digits * 10^exp10, digits the shortest (Grisu2) decimal digits.
    ::nlohmann::detail::dtoa_impl::grisu2(digits, len, exp10, value);
    const int sci_exp = exp10 + len - 1;
    const int abs_exp = sci_exp < 0 ? -sci_exp : sci_exp;
    const int sci_len = len + (len > 1 ? 1 : 0) + 2 + (abs_exp >= 100 ? 3 : 2);
    int fix_len;
    if (exp10 >= 0) fix_len = len + exp10;
    else if (len + exp10 > 0) fix_len = len + 1;
    else fix_len = 2 + (-(len + exp10)) + len;
    if (fix_len <= sci_len) {
        if (!room(fix_len)) return {last, errc::value_too_large};
        if (exp10 >= 0) {
            std::memcpy(p, digits, size_t(len));
            p += len;
            for (int i = 0; i < exp10; ++i) *p++ = '0';
        } else if (len + exp10 > 0) {
            const int whole = len + exp10;
            std::memcpy(p, digits, size_t(whole));
            p += whole;
            *p++ = '.';
            std::memcpy(p, digits + whole, size_t(len - whole));
            p += len - whole;
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -(len + exp10); ++i) *p++ = '0';
            std::memcpy(p, digits, size_t(len));
            p += len;
        }
        return {p, errc()};
    }
    if (!room(sci_len)) return {last, errc::value_too_large};
    *p++ = digits[0];
    if (len > 1) {
        *p++ = '.';
        std::memcpy(p, digits + 1, size_t(len - 1));
        p += len - 1;
    }
    *p++ = 'e';
    *p++ = sci_exp < 0 ? '-' : '+';
    if (abs_exp >= 100) *p++ = char('0' + abs_exp / 100);
    *p++ = char('0' + abs_exp / 10 % 10);
    *p++ = char('0' + abs_exp % 10);
    return {p, errc()};
}

inline from_chars_result from_chars(const char *first, const char *last, double &value,
                                    chars_format = chars_format::general) {
    // The JSON number grammar's characters only (strtod would also take hex,
    // "inf", "nan" and leading blanks, which from_chars does not).
    char buf[64];
    const char *q = first;
    while (q < last && q - first < ptrdiff_t(sizeof buf - 1) &&
           ((*q >= '0' && *q <= '9') || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E'))
        ++q;
    const size_t n = size_t(q - first);
    if (n == 0 || (first[0] != '-' && (first[0] < '0' || first[0] > '9')) ||
        (first[0] == '-' && (n < 2 || first[1] < '0' || first[1] > '9')))
        return {first, errc::invalid_argument};
    std::memcpy(buf, first, n);
    buf[n] = 0;
    char *end = nullptr;
    errno = 0;
    const double d = std::strtod(buf, &end);
    if (end == buf) return {first, errc::invalid_argument};
    const char *stop = first + (end - buf);
    if (errno == ERANGE) return {stop, errc::result_out_of_range};
    value = d;
    return {stop, errc()};
}

}  // namespace std

#endif
