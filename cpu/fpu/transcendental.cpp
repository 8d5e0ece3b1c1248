// x87 transcendentals computed by one fixed algorithm in software.
//
// Method. Values are carried as unevaluated sums hi + lo of two 64-bit-significand numbers
// ("double-extended", ~128 significant bits) using error-free transformations (two-sum, Dekker
// product with the 2^32+1 splitter); only IEEE basic operations are used (+ - * / on the
// host's extended format at 64-bit precision, round to nearest, which every x86 host computes
// identically), never a host transcendental instruction or libm function other than the exact
// frexpl/ldexpl. The pair is rounded once to the destination under the guest's precision and
// rounding control (one host FADD hi+lo), which sets PE, UE, OE and C1.
//   FSIN/FCOS/FPTAN: |x| >= pi/4 is reduced exactly in integer arithmetic against a 191-bit
//     pi/2 (absolute error < 2^-126 for |x| < 2^63), then Taylor series to r^27 / r^28.
//   FPATAN: atan(min/max) on [0,1], shifted by pi/4 above tan(pi/8), series to t^105.
//   F2XM1: expm1(x ln2) Taylor series to the 34th power.
//   FYL2X/FYL2XP1: log2 m = 2 atanh((m-1)/(m+1)) / ln 2 with m in [sqrt(1/2), sqrt 2), or
//     s = x/(2+x); the product with y is formed on y's significand and scaled by FSCALE.
// Accuracy: the pair is within ~2^-110 relative of the true value on the SDM's domains, so the
// result is the correctly rounded value except in rare near-halfway cases, where it is within
// 1 ulp of extended precision. Outside the domains the SDM leaves undefined (F2XM1 |x| > 1,
// FYL2XP1 |x| >= 1 - sqrt(2)/2) the same series are evaluated; FYL2XP1 with x <= -1 or x
// infinite is invalid. Results that are denormal after FSCALE may be rounded twice.
#include "cpu/fpu/transcendental.h"

#include <cmath>
#include <cstring>

namespace jitpc::cpu::x87 {
namespace {

constexpr uint16_t IE = 1, DE = 2, ZE = 4;
constexpr Float80 INDEFINITE{0xC000000000000000ull, 0xFFFF};

long double to_ld(const Float80& f) {
    long double x = 0;
    std::memcpy(&x, &f.mant, 8);
    std::memcpy(reinterpret_cast<char*>(&x) + 8, &f.sexp, 2);
    return x;
}
Float80 from_ld(long double x) {
    Float80 f;
    std::memcpy(&f.mant, &x, 8);
    std::memcpy(&f.sexp, reinterpret_cast<const char*>(&x) + 8, 2);
    return f;
}

// The algorithm assumes the host x87 at 64-bit precision, round to nearest; whatever the
// emulator's own control word is, the public entry points run under exactly that.
class HostMode {
public:
    HostMode() {
        const uint16_t cw = 0x037F;
        asm volatile("fnstcw %0\n\tfldcw %1" : "=m"(saved_) : "m"(cw));
    }
    // The exception flags its arithmetic raised are cleared: generated x87 code reads the
    // host's flags as those of its own operation (jit/emit_fpu.cpp).
    ~HostMode() { asm volatile("fnclex\n\tfldcw %0" : : "m"(saved_)); }
    HostMode(const HostMode&) = delete;
    HostMode& operator=(const HostMode&) = delete;

private:
    uint16_t saved_;
};

// ---- double-extended arithmetic --------------------------------------------------------------
struct DD {
    long double hi, lo;
};
DD two_sum(long double a, long double b) {
    const long double s = a + b, bb = s - a;
    return {s, (a - (s - bb)) + (b - bb)};
}
DD fast_two_sum(long double a, long double b) {
    const long double s = a + b;
    return {s, b - (s - a)};
}
DD split(long double a) {
    const long double c = 4294967297.0L * a;  // 2^32 + 1 halves a 64-bit significand
    const long double h = c - (c - a);
    return {h, a - h};
}
DD two_prod(long double a, long double b) {
    const long double p = a * b;
    const DD x = split(a), y = split(b);
    return {p, ((x.hi * y.hi - p) + x.hi * y.lo + x.lo * y.hi) + x.lo * y.lo};
}
DD operator+(DD a, DD b) {
    const DD s = two_sum(a.hi, b.hi);
    return fast_two_sum(s.hi, s.lo + a.lo + b.lo);
}
DD operator-(DD a) { return {-a.hi, -a.lo}; }
DD operator-(DD a, DD b) { return a + -b; }
DD operator*(DD a, DD b) {
    const DD p = two_prod(a.hi, b.hi);
    return fast_two_sum(p.hi, p.lo + a.hi * b.lo + a.lo * b.hi);
}
DD operator/(DD a, DD b) {
    const long double q1 = a.hi / b.hi;
    const DD r1 = a - b * DD{q1, 0};
    const long double q2 = r1.hi / b.hi;
    const DD r2 = r1 - b * DD{q2, 0};
    return fast_two_sum(q1, q2) + DD{r2.hi / b.hi, 0};
}
// By a long double (the series' integer divisors): one quotient correction instead of the
// general division's two, as accurate (the product q1 * b is exact).
DD operator/(DD a, long double b) {
    const long double q1 = a.hi / b;
    const DD p = two_prod(q1, b);
    const long double q2 = (((a.hi - p.hi) - p.lo) + a.lo) / b;
    return fast_two_sum(q1, q2);
}
DD dd(long double v) { return {v, 0}; }
// Whether a series' term no longer moves its sum: 2^-140 of it is below the sum's last bit,
// so the terms after it (smaller still) leave the rounded result as it is.
bool negligible(DD term, DD sum) { return std::fabs(term.hi) <= std::fabs(sum.hi) * 0x1p-140L; }

constexpr DD PI{0xC90FDAA22168C235p-62L, -0xECE675D1FC8F8CBBp-128L};
constexpr DD PI_2{0xC90FDAA22168C235p-63L, -0xECE675D1FC8F8CBBp-129L};
constexpr DD PI_4{0xC90FDAA22168C235p-64L, -0xECE675D1FC8F8CBBp-130L};
constexpr DD LOG2E{0xB8AA3B295C17F0BCp-63L, -0x82F0025F2DC582EEp-128L};
constexpr DD LN2{0xB17217F7D1CF79ACp-64L, -0xD871319FF0342543p-130L};

// ---- operand classes and the final rounding ------------------------------------------------
enum class Cls : uint8_t { Zero, Finite, Inf, Nan };  // Nan includes unsupported encodings

Cls classify(const Float80& a, uint16_t& sw) {
    const unsigned e = a.sexp & 0x7FFF;
    const bool integer = a.mant >> 63;
    if (e == 0x7FFF) return integer && !(a.mant << 1) ? Cls::Inf : Cls::Nan;
    if (e == 0) {
        if (!a.mant) return Cls::Zero;
        sw |= DE;
        return Cls::Finite;
    }
    return integer ? Cls::Finite : Cls::Nan;
}
bool negative(const Float80& a) { return a.sexp & 0x8000; }

// NaN propagation and unsupported operands behave as in FADD.
Result nan_result(const Float80& a, const Float80& b, uint16_t cw) { return binary(BinOp::Add, a, b, cw); }
Result invalid() { return {INDEFINITE, IE}; }
Result signed_value(Float80 v, bool neg, uint16_t sw = 0) {
    v.sexp = uint16_t((v.sexp & 0x7FFF) | (neg ? 0x8000 : 0));
    return {v, sw};
}
constexpr Float80 ZERO{0, 0}, ONE{0x8000000000000000ull, 0x3FFF}, INF{0x8000000000000000ull, 0x7FFF};

Result finish(DD v, int scale, uint16_t sw, uint16_t cw) {
    Result r = binary(BinOp::Add, from_ld(v.hi), from_ld(v.lo), cw);
    if (scale) {
        const Result2 s = pair(PairOp::Scale, r.v, from_int(scale), cw);
        r = {s.v0, uint16_t(r.sw | s.sw)};
    }
    r.sw |= sw;
    return r;
}

// ---- trigonometric -------------------------------------------------------------------------
// pi/2 * 2^190, little-endian 64-bit limbs.
constexpr uint64_t PI_2_FIXED[3] = {0x948127044533E63Aull, 0x62633145C06E0E68ull, 0x6487ED5110B4611Aull};

struct U192 {
    uint64_t w[3] = {};
    bool ge(const uint64_t* b) const {
        for (int k = 2; k >= 0; --k)
            if (w[k] != b[k]) return w[k] > b[k];
        return true;
    }
    void sub(const uint64_t* b) {
        unsigned borrow = 0;
        for (int k = 0; k < 3; ++k) {
            const uint64_t d = w[k] - b[k] - borrow;
            borrow = (w[k] < b[k]) || (w[k] - b[k] < borrow);
            w[k] = d;
        }
    }
    void shl1(unsigned bit) {
        w[2] = (w[2] << 1) | (w[1] >> 63);
        w[1] = (w[1] << 1) | (w[0] >> 63);
        w[0] = (w[0] << 1) | bit;
    }
    DD value() const {  // this * 2^-190
        return dd(std::ldexp((long double)w[2], -62)) + dd(std::ldexp((long double)w[1], -126)) +
               dd(std::ldexp((long double)w[0], -190));
    }
};

// |x| = q * pi/2 + r with |r| <= pi/4; returns r and q mod 4.
DD reduce(const Float80& ax, unsigned& q) {
    q = 0;
    if (to_ld(ax) < PI_4.hi) return dd(to_ld(ax));
    // ax = mant * 2^e with e = exponent - 63; long division of mant * 2^(e + 190) by pi/2 * 2^190.
    const int shift = int(ax.sexp & 0x7FFF) - 16383 - 63 + 190;
    U192 r;
    for (int k = 0; k < 64 + shift; ++k) {
        r.shl1(k < 64 ? unsigned(ax.mant >> (63 - k)) & 1 : 0);
        q <<= 1;
        if (r.ge(PI_2_FIXED)) {
            r.sub(PI_2_FIXED);
            q |= 1;
        }
    }
    U192 twice = r;
    twice.shl1(0);
    if (twice.ge(PI_2_FIXED)) {  // nearer the next multiple: r - pi/2
        U192 p;
        std::memcpy(p.w, PI_2_FIXED, sizeof p.w);
        p.sub(r.w);
        ++q;
        return -p.value();
    }
    return r.value();
}

DD sin_series(DD r) {
    const DD r2 = r * r;
    DD term = r, s = r;
    for (int n = 1; n <= 13; ++n) {
        term = term * r2 / -(long double)(2 * n * (2 * n + 1));
        s = s + term;
    }
    return s;
}
DD cos_series(DD r) {
    const DD r2 = r * r;
    DD term = dd(1), s = dd(1);
    for (int n = 1; n <= 14; ++n) {
        term = term * r2 / -(long double)((2 * n - 1) * 2 * n);
        s = s + term;
    }
    return s;
}

enum class Trig : uint8_t { Sin, Cos, Tan };

Result trig(Trig f, const Float80& x, uint16_t cw) {
    const HostMode mode;
    uint16_t sw = 0;
    switch (classify(x, sw)) {
    case Cls::Nan: return nan_result(x, x, cw);
    case Cls::Inf: return invalid();
    case Cls::Zero: return f == Trig::Cos ? Result{ONE, 0} : Result{x, 0};
    case Cls::Finite: break;
    }
    Float80 ax = x;
    ax.sexp &= 0x7FFF;
    unsigned q;
    const DD r = reduce(ax, q);
    DD v;
    if (f == Trig::Tan) {
        const DD s = sin_series(r), c = cos_series(r);
        v = q & 1 ? -(c / s) : s / c;
    } else {
        // sin over quadrants 0..3: S, C, -S, -C; cos is sin one quadrant on.
        const unsigned k = (q + (f == Trig::Cos ? 1 : 0)) & 3;
        v = k & 1 ? cos_series(r) : sin_series(r);
        if (k & 2) v = -v;
    }
    if (negative(x) && f != Trig::Cos) v = -v;
    return finish(v, 0, sw, cw);
}

// ---- arctangent ----------------------------------------------------------------------------
DD atan_series(DD t) {
    const DD t2 = t * t;
    DD p = t, s = t;
    for (int k = 1; k <= 52; ++k) {
        p = p * t2;
        const DD term = p / ((k & 1 ? -1.0L : 1.0L) * (2 * k + 1));
        s = s + term;
        if (negligible(term, s)) break;
    }
    return s;
}
DD atan01(DD z) {
    if (z.hi <= 0.41421356237309504880L) return atan_series(z);
    return PI_4 + atan_series((z - dd(1)) / (z + dd(1)));
}

// ---- logarithms ----------------------------------------------------------------------------
// log2((1+s)/(1-s)) = 2 atanh(s) / ln 2.
DD log2_atanh(DD s) {
    const DD s2 = s * s;
    DD p = s, sum = s;
    for (int k = 1; k <= 28; ++k) {
        p = p * s2;
        const DD term = p / (long double)(2 * k + 1);
        sum = sum + term;
        if (negligible(term, sum)) break;
    }
    return sum * LOG2E * dd(2);
}
DD log2_of(long double x) {
    int e;
    long double m = std::frexp(x, &e);
    if (m < 0.70710678118654752440L) {
        m *= 2;
        --e;
    }
    return dd(e) + log2_atanh(dd(m - 1) / two_sum(m, 1));
}

// y * L for a finite L, formed on y's significand and scaled back by FSCALE.
Result times_y(const Float80& y, DD l, uint16_t sw, uint16_t cw) {
    int ey;
    const long double ym = std::frexp(to_ld(y), &ey);
    return finish(l * dd(ym), ey, sw, cw);
}

}  // namespace

bool trig_out_of_range(const Float80& x) {
    const unsigned e = x.sexp & 0x7FFF;
    return e != 0x7FFF && e >= 16383 + 63;
}

Result sin(const Float80& x, uint16_t cw) { return trig(Trig::Sin, x, cw); }
Result cos(const Float80& x, uint16_t cw) { return trig(Trig::Cos, x, cw); }
Result tan(const Float80& x, uint16_t cw) { return trig(Trig::Tan, x, cw); }

Result atan2(const Float80& y, const Float80& x, uint16_t cw) {
    const HostMode mode;
    uint16_t sw = 0;
    const Cls cy = classify(y, sw), cx = classify(x, sw);
    if (cy == Cls::Nan || cx == Cls::Nan) return nan_result(y, x, cw);
    const bool sy = negative(y), sx = negative(x);
    DD a;
    if (cy == Cls::Inf) a = cx != Cls::Inf ? PI_2 : sx ? PI_4 * dd(3) : PI_4;
    else if (cx == Cls::Inf || cy == Cls::Zero) {
        if (!sx) return signed_value(ZERO, sy, sw);
        a = PI;
    } else if (cx == Cls::Zero) {
        a = PI_2;
    } else {
        const long double ay = std::fabs(to_ld(y)), ax = std::fabs(to_ld(x));
        const bool swap = ay > ax;
        a = atan01(swap ? dd(ax) / dd(ay) : dd(ay) / dd(ax));
        if (swap) a = PI_2 - a;
        if (sx) a = PI - a;
    }
    return finish(sy ? -a : a, 0, sw, cw);
}

Result exp2m1(const Float80& x, uint16_t cw) {
    const HostMode mode;
    uint16_t sw = 0;
    switch (classify(x, sw)) {
    case Cls::Nan: return nan_result(x, x, cw);
    case Cls::Inf: return negative(x) ? signed_value(ONE, true) : Result{x, 0};
    case Cls::Zero: return {x, 0};
    case Cls::Finite: break;
    }
    const DD y = LN2 * dd(to_ld(x));
    DD term = y, s = y;
    for (int n = 2; n <= 34; ++n) {
        term = term * y / (long double)n;
        s = s + term;
        if (negligible(term, s)) break;
    }
    return finish(s, 0, sw, cw);
}

Result ylog2x(const Float80& y, const Float80& x, uint16_t cw) {
    const HostMode mode;
    uint16_t sw = 0;
    const Cls cy = classify(y, sw), cx = classify(x, sw);
    if (cy == Cls::Nan || cx == Cls::Nan) return nan_result(y, x, cw);
    const bool sy = negative(y);
    if (negative(x) && cx != Cls::Zero) return invalid();
    if (cx == Cls::Zero) {
        if (cy == Cls::Zero) return invalid();
        return signed_value(INF, !sy, cy == Cls::Inf ? sw : uint16_t(sw | ZE));
    }
    const long double lx = to_ld(x);
    if (cx == Cls::Inf) return cy == Cls::Zero ? invalid() : signed_value(INF, sy, sw);
    if (lx == 1) return cy == Cls::Inf ? invalid() : signed_value(ZERO, sy, sw);
    const bool below_one = lx < 1;
    if (cy == Cls::Inf) return signed_value(INF, sy != below_one, sw);
    if (cy == Cls::Zero) return signed_value(ZERO, sy != below_one, sw);
    return times_y(y, log2_of(lx), sw, cw);
}

Result ylog2xp1(const Float80& y, const Float80& x, uint16_t cw) {
    const HostMode mode;
    uint16_t sw = 0;
    const Cls cy = classify(y, sw), cx = classify(x, sw);
    if (cy == Cls::Nan || cx == Cls::Nan) return nan_result(y, x, cw);
    const bool sy = negative(y), sx = negative(x);
    const long double lx = to_ld(x);
    if (cx == Cls::Inf || lx <= -1) return invalid();
    if (cx == Cls::Zero) return cy == Cls::Inf ? invalid() : signed_value(ZERO, sy != sx, sw);
    if (cy == Cls::Inf) return signed_value(INF, sy != sx, sw);
    if (cy == Cls::Zero) return signed_value(ZERO, sy != sx, sw);
    return times_y(y, log2_atanh(dd(lx) / two_sum(2, lx)), sw, cw);
}

}  // namespace jitpc::cpu::x87
