#include "cpu/sse_approx.h"

namespace jitpc::cpu::sse_approx {

namespace {

constexpr uint32_t SIGN = 0x80000000u, EXP = 0x7F800000u, FRAC = 0x007FFFFFu, QUIET = 0x00400000u;
constexpr uint32_t INF = EXP, DEFAULT_NAN = 0xFFC00000u;
constexpr uint32_t HIDDEN = 0x00800000u;  // the significand's integer bit, 2^23

// The cases both instructions share: a NaN comes back quiet; a zero or a denormal (counted as
// zero) gives infinity of its sign. Returns whether `v` is one, with `out` set.
bool shared_special(uint32_t v, uint32_t& out) {
    if ((v & EXP) == EXP && (v & FRAC)) out = v | QUIET;
    else if (!(v & EXP)) out = (v & SIGN) | INF;
    else return false;
    return true;
}

// sign * (s / 2^11) * 2^(biased - 127) for a 12-bit significand s in [2^11, 2^12]; 2^12 carries
// into the exponent. A biased exponent below 1 is tiny: zero.
uint32_t assemble(uint32_t sign, uint64_t s, int biased) {
    if (s == 1u << 12) {
        s >>= 1;
        ++biased;
    }
    if (biased < 1) return sign;
    return sign | uint32_t(biased) << 23 | uint32_t(s - (1u << 11)) << 12;
}

}  // namespace

// x = (M / 2^23) * 2^(E - 127), M in [2^23, 2^24): 1/x = (2^23 / M) * 2^(127 - E). With M = 2^23
// that is exact; otherwise 2^23 / M lies in (1/2, 1) and the 12-bit significand is
// s = round(2^35 / M) (no ties: M is no power of two), the result (s / 2^11) * 2^(126 - E).
uint32_t rcp(uint32_t v) {
    uint32_t out;
    if (shared_special(v, out)) return out;
    const uint32_t sign = v & SIGN;
    const int e = int((v & EXP) >> 23);
    if (e == 0xFF) return sign;  // infinity
    const uint64_t m = HIDDEN | (v & FRAC);
    if (m == HIDDEN) return assemble(sign, 1u << 11, 254 - e);
    const uint64_t s = ((uint64_t(1) << 36) / m + 1) / 2;
    return assemble(sign, s, 253 - e);
}

// x = (M' / 2^23) * 2^(2h) with M' = M (E - 127 even) or 2M (odd), h = floor((E - 127) / 2):
// 1/sqrt(x) = 2^-h / sqrt(M' / 2^23). With M' = 2^23 that is exact; otherwise the significand
// is s = round(2^12 / sqrt(M' / 2^23)) = round(sqrt(2^47 / M')), the largest s with
// (2s - 1)^2 * M' <= 2^49, and the result (s / 2^11) * 2^(-h - 1).
uint32_t rsqrt(uint32_t v) {
    uint32_t out;
    if (shared_special(v, out)) return out;
    const int e = int((v & EXP) >> 23);
    if (v & SIGN) return DEFAULT_NAN;  // negative, -infinity included
    if (e == 0xFF) return 0;           // +infinity
    const int t = e - 127, h = t >> 1;  // arithmetic shift: floor
    const uint64_t m = (HIDDEN | (v & FRAC)) << (t & 1);
    if (m == HIDDEN) return assemble(0, 1u << 11, 127 - h);
    const auto fits = [m](uint64_t c) { return (2 * c - 1) * (2 * c - 1) * m <= uint64_t(1) << 49; };
    uint64_t s = 1u << 11;  // fits: the exact value exceeds 2^11
    for (uint64_t bit = 1u << 10; bit; bit >>= 1)
        if (fits(s | bit)) s |= bit;
    if (fits(s + 1)) ++s;  // 2^12, from 2^12 - 1
    return assemble(0, s, 126 - h);
}

}  // namespace jitpc::cpu::sse_approx
