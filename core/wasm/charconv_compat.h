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
//   - from_chars(first, last, double&): exact fast paths (Clinger; a Grisu2
//     confirmed estimate), else strtod; result_out_of_range when the value
//     overflows or underflows (as libstdc++).
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
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#if defined(__EMSCRIPTEN__) && defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 16000

namespace runlog_charconv {

// Digits of d as Grisu2 writes them (no trailing zeros) and the decimal
// exponent of the last digit.
inline void shortest(double d, char *digits, int &len, int &exp10) {
    ::nlohmann::detail::dtoa_impl::grisu2(digits, len, exp10, d);
    while (len > 1 && digits[len - 1] == '0') {
        --len;
        ++exp10;
    }
}

// The double whose Grisu2 digits are exactly (digits, exp10), searched around
// the estimate d; false if none of d and its two neighbours is.
__attribute__((noinline)) inline bool confirm(double &d, const char *digits, int len, int exp10) {
    if (!(d > 0) || std::isinf(d)) return false;
    char buf[32];
    const double candidates[3] = {d, std::nextafter(d, HUGE_VAL), std::nextafter(d, 0.0)};
    for (double c : candidates) {
        int n = 0, e = 0;
        shortest(c, buf, n, e);
        if (n == len && e == exp10 && std::memcmp(buf, digits, size_t(n)) == 0) {
            d = c;
            return true;
        }
    }
    return false;
}

}  // namespace runlog_charconv

namespace std {

__attribute__((noinline)) inline to_chars_result to_chars(char *first, char *last, double value) {
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



__attribute__((noinline)) inline from_chars_result from_chars(const char *first, const char *last, double &value,
                                    chars_format = chars_format::general) {
    // The JSON number grammar's characters only (strtod would also take hex,
    // "inf", "nan" and leading blanks, which from_chars does not).
    const char *q = first;
    while (q < last && ((*q >= '0' && *q <= '9') || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E'))
        ++q;
    const size_t n = size_t(q - first);
    if (n == 0 || (first[0] != '-' && (first[0] < '0' || first[0] > '9')) ||
        (first[0] == '-' && (n < 2 || first[1] < '0' || first[1] > '9')))
        return {first, errc::invalid_argument};

    // Fast path (musl's strtod computes in software binary128 on wasm, ~2 us a
    // number): read up to 19 significant digits, estimate, then confirm the
    // estimate by Grisu2: a double whose shortest round-trip digits are
    // exactly the input's is the correctly rounded value of the input. JSON
    // written by runlog (Grisu2) or by JavaScript (shortest digits) almost
    // always confirms; anything else goes to strtod.
    {
        const char *p = first;
        const bool neg = *p == '-';
        if (neg) ++p;
        char digits[20];
        int nd = 0, dropped = 0, frac = 0;
        bool ok = true, seen_digit = false;
        for (; p < q && *p >= '0' && *p <= '9'; ++p) {
            seen_digit = true;
            if (nd == 0 && *p == '0') continue;
            if (nd < 19) digits[nd++] = *p;
            else if (*p != '0') ok = false;
            else ++dropped;
        }
        if (p < q && *p == '.') {
            ++p;
            for (; p < q && *p >= '0' && *p <= '9'; ++p) {
                seen_digit = true;
                if (nd == 0 && *p == '0') {
                    --frac;
                    continue;
                }
                if (nd < 19) {
                    digits[nd++] = *p;
                    --frac;
                } else if (*p != '0') ok = false;
            }
        }
        int e = 0;
        if (p < q && (*p == 'e' || *p == 'E')) {
            ++p;
            bool eneg = false;
            if (p < q && (*p == '+' || *p == '-')) eneg = *p++ == '-';
            if (p == q || *p < '0' || *p > '9') ok = false;
            for (; p < q && *p >= '0' && *p <= '9'; ++p)
                if (e < 100000) e = e * 10 + (*p - '0');
            if (eneg) e = -e;
        }
        if (ok && seen_digit && p == q) {
            if (nd == 0) {
                value = neg ? -0.0 : 0.0;
                return {q, errc()};
            }
            uint64_t w = 0;
            for (int i = 0; i < nd; ++i) w = w * 10 + uint64_t(digits[i] - '0');
            const int exp10 = e + frac + dropped;  // value = w * 10^exp10
            static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                           1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
            if (w < (uint64_t(1) << 53) && exp10 >= -22 && exp10 <= 22) {
                // Clinger: both operands exact, one rounding.
                double d = double(w);
                d = exp10 < 0 ? d / pow10[-exp10] : d * pow10[exp10];
                value = neg ? -d : d;
                return {q, errc()};
            }
            if (exp10 > -300 && exp10 < 290) {
                // An estimate within a few ulps (confirm() checks it), from
                // exact powers of ten (no pow(): its tables cost wasm size).
                double d = double(w);
                for (int x = exp10; x != 0;) {
                    const int step = x > 22 ? 22 : x < -22 ? -22 : x;
                    d = step < 0 ? d / pow10[-step] : d * pow10[step];
                    x -= step;
                }
                int len = nd;
                int x = exp10;
                while (len > 1 && digits[len - 1] == '0') {
                    --len;
                    ++x;
                }
                if (::runlog_charconv::confirm(d, digits, len, x)) {
                    value = neg ? -d : d;
                    return {q, errc()};
                }
            }
        }
    }

    std::string buf(first, n);
    char *end = nullptr;
    errno = 0;
    const double d = std::strtod(buf.c_str(), &end);
    if (end == buf.c_str()) return {first, errc::invalid_argument};
    const char *stop = first + (end - buf.c_str());
    if (errno == ERANGE) return {stop, errc::result_out_of_range};
    value = d;
    return {stop, errc()};
}

}  // namespace std

#endif
