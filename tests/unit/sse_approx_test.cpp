// RCPSS/RCPPS/RSQRTSS/RSQRTPS: jitpc's model (cpu/sse_approx.h) against the exact value
// rounded to 12 significant bits, computed independently in long double, for every significand
// at the exponents where the cases differ (both parities for RSQRT, the tiny edge for RCP) and
// a sample of all other inputs; the special cases; the SDM's error bound; and the instructions
// on the max model returning the model's values lane by lane with MXCSR untouched.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "cpu/sse_approx.h"
#include "tests/unit/cpu_fixture.h"

using namespace jitpc;
using cpu::sse_approx::rcp;
using cpu::sse_approx::rsqrt;

namespace {

float f32(uint32_t v) { return std::bit_cast<float>(v); }

// The exact value r (a positive long double) rounded to 12 significant bits, as a single; zero
// below the smallest normal.
uint32_t round12(long double r) {
    int e;
    const long double m = std::frexp(r, &e);              // r = m * 2^e, m in [0.5, 1)
    const long double s = std::nearbyint(std::ldexp(m, 12));  // ties cannot occur
    const float v = float(std::ldexp(s, e - 12));
    return v < std::numeric_limits<float>::min() ? 0 : std::bit_cast<uint32_t>(v);
}
uint32_t want_rcp(uint32_t x) {
    return (x & 0x80000000u) | round12(1.0L / std::fabs(static_cast<long double>(f32(x))));
}
uint32_t want_rsqrt(uint32_t x) { return round12(1.0L / std::sqrt(static_cast<long double>(f32(x)))); }

// Every significand (stride 1) or every stride-th at one exponent.
void check_exponent(uint32_t (*model)(uint32_t), uint32_t (*want)(uint32_t), uint32_t exponent, uint32_t sign,
                    uint32_t stride = 1) {
    unsigned bad = 0;
    for (uint32_t f = 0; f < (1u << 23); f += stride) {
        const uint32_t x = sign | exponent << 23 | f;
        if (model(x) != want(x) && ++bad <= 5) FAIL_CHECK("input " << std::hex << x << ": " << model(x) << " want " << want(x));
    }
    CHECK(bad == 0);
}

}  // namespace

TEST_CASE("RCP: every significand at the ordinary and tiny-edge exponents, and a sample") {
    check_exponent(rcp, want_rcp, 127, 0);
    for (const uint32_t e : {1u, 252u, 253u, 254u}) check_exponent(rcp, want_rcp, e, 0x80000000u, 61);
    std::mt19937 rng(1);
    unsigned bad = 0;
    for (int k = 0; k < 100000; ++k) {
        const uint32_t x = rng();
        if ((x & 0x7F800000u) && (x & 0x7F800000u) != 0x7F800000u) bad += rcp(x) != want_rcp(x);
    }
    CHECK(bad == 0);
}

TEST_CASE("RSQRT: every significand at even and odd exponents, and a sample") {
    check_exponent(rsqrt, want_rsqrt, 127, 0);
    check_exponent(rsqrt, want_rsqrt, 128, 0);
    for (const uint32_t e : {1u, 2u, 253u, 254u}) check_exponent(rsqrt, want_rsqrt, e, 0, 61);
    std::mt19937 rng(2);
    unsigned bad = 0;
    for (int k = 0; k < 100000; ++k) {
        const uint32_t x = rng() & 0x7FFFFFFFu;
        if ((x & 0x7F800000u) && (x & 0x7F800000u) != 0x7F800000u) bad += rsqrt(x) != want_rsqrt(x);
    }
    CHECK(bad == 0);
}

TEST_CASE("RCP/RSQRT: within the SDM's bound of 1.5 * 2^-12 and exact at powers of two") {
    std::mt19937 rng(3);
    unsigned outside = 0;
    for (int k = 0; k < 100000; ++k) {
        const uint32_t x = (rng() & 0x807FFFFFu) | (64u + rng() % 128) << 23;
        const long double r = 1.0L / static_cast<long double>(f32(x));
        outside += std::fabs(f32(rcp(x)) - r) > std::ldexp(1.5L, -12) * std::fabs(r);
        const uint32_t p = x & 0x7FFFFFFFu;
        const long double q = 1.0L / std::sqrt(static_cast<long double>(f32(p)));
        outside += std::fabs(f32(rsqrt(p)) - q) > std::ldexp(1.5L, -12) * q;
    }
    CHECK(outside == 0);
    CHECK(rcp(0x40000000u) == 0x3F000000u);    // 1/2
    CHECK(rsqrt(0x40800000u) == 0x3F000000u);  // 1/sqrt(4)
    CHECK(rsqrt(0x3E800000u) == 0x40000000u);  // 1/sqrt(0.25)
}

TEST_CASE("RCP/RSQRT: special values") {
    CHECK(rcp(0x00000000u) == 0x7F800000u);
    CHECK(rcp(0x80000000u) == 0xFF800000u);
    CHECK(rcp(0x00000001u) == 0x7F800000u);  // denormals count as zeros
    CHECK(rcp(0x807FFFFFu) == 0xFF800000u);
    CHECK(rcp(0x7F800000u) == 0x00000000u);
    CHECK(rcp(0xFF800000u) == 0x80000000u);
    CHECK(rcp(0x7F7FFFFFu) == 0x00000000u);  // tiny: flushed with the source's sign
    CHECK(rcp(0xFF000000u) == 0x80000000u);
    CHECK(rcp(0x7E800000u) == 0x00800000u);  // 1/2^126 = 2^-126, the smallest normal
    CHECK(rcp(0x7F800001u) == 0x7FC00001u);  // an SNaN comes back quiet
    CHECK(rcp(0xFFC12345u) == 0xFFC12345u);
    CHECK(rsqrt(0x00000000u) == 0x7F800000u);
    CHECK(rsqrt(0x80000000u) == 0xFF800000u);
    CHECK(rsqrt(0x80000001u) == 0xFF800000u);
    CHECK(rsqrt(0x7F800000u) == 0x00000000u);
    CHECK(rsqrt(0xBF800000u) == 0xFFC00000u);  // negative: the default NaN
    CHECK(rsqrt(0xFF800000u) == 0xFFC00000u);
    CHECK(rsqrt(0x7FA00000u) == 0x7FE00000u);
}

TEST_CASE("RCPPS, RCPSS, RSQRTPS, RSQRTSS give the model's values and leave MXCSR alone") {
    test::CpuFixture f{cpu::models::max};
    f.flat32();
    f.cpu.cr4 |= cpu::cr4::OSFXSR | cpu::cr4::OSXMMEXCPT;
    const uint32_t src[4] = {0x40400000u, 0x00000001u, 0xC2F60000u, 0x7F800001u};  // 3, denormal, -123, SNaN
    const uint32_t dst[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};
    const auto run = [&](std::initializer_list<uint8_t> code, uint32_t (*model)(uint32_t), bool packed) {
        std::memcpy(f.cpu.sse.xmm[1].q, src, 16);
        std::memcpy(f.cpu.sse.xmm[0].q, dst, 16);
        f.cpu.sse.mxcsr = 0x1F80;
        f.load(code);
        f.run(1);
        uint32_t got[4];
        std::memcpy(got, f.cpu.sse.xmm[0].q, 16);
        for (unsigned k = 0; k < 4; ++k) CHECK(got[k] == (packed || k == 0 ? model(src[k]) : dst[k]));
        CHECK(f.cpu.sse.mxcsr == 0x1F80);
    };
    run({0x0F, 0x53, 0xC1}, rcp, true);          // rcpps xmm0, xmm1
    run({0xF3, 0x0F, 0x53, 0xC1}, rcp, false);   // rcpss xmm0, xmm1
    run({0x0F, 0x52, 0xC1}, rsqrt, true);        // rsqrtps xmm0, xmm1
    run({0xF3, 0x0F, 0x52, 0xC1}, rsqrt, false); // rsqrtss xmm0, xmm1
}
