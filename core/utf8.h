// One UTF-8 rule (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF), shared by the JSON scanner and the whole-text check.
#pragma once
#include <cstddef>

namespace runlog {

// Length of the valid multi-byte sequence at p (p[0] >= 0x80) with `avail`
// bytes available, or 0 if it is not valid UTF-8.
inline size_t utf8_sequence_length(const unsigned char *p, size_t avail) {
    const unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) { len = 3; hi = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) { len = 4; hi = 0x8F; }
    else return 0;
    if (avail < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < len; ++k)
        if (p[k] < 0x80 || p[k] > 0xBF) return 0;
    return len;
}

}  // namespace runlog
