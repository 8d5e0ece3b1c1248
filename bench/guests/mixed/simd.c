/* The SIMD benchmark workload, built -O3 -msse4.2 for 64-bit guests and natively: the loops
 * compilers turn into SSE for memcpy, memset and strlen (this one written as glibc's SSE2
 * strlen is, with PCMPEQB and PMOVMSKB), float and double dot products (lane-wise partial
 * sums, which vectorise without reassociating), a small float matrix multiply and the
 * conversions between them. Same interface as the mixed workload (workload.h). */
#include <emmintrin.h>

#include "workload.h"

typedef unsigned int u32;
typedef unsigned long long u64;

static void put_hex(void (*put_char)(char), const char* label, u32 v) {
    while (*label) put_char(*label++);
    for (int i = 7; i >= 0; --i) put_char("0123456789abcdef"[(v >> (i * 4)) & 15]);
    put_char('\n');
}

static u32 rng_state;
static u32 rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

#define BYTES 16384
static unsigned char src[BYTES] __attribute__((aligned(16))), dst[BYTES] __attribute__((aligned(16)));

static void copy(unsigned char* restrict d, const unsigned char* restrict s, unsigned n) {
    for (unsigned i = 0; i < n; ++i) d[i] = s[i];
}
static void fill(unsigned char* d, unsigned char v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) d[i] = v;
}
static u32 sum_bytes(const unsigned char* p, unsigned n) {
    u32 s = 0;
    for (unsigned i = 0; i < n; ++i) s += p[i] * (i | 1);
    return s;
}
/* The length of the string at p, 16 bytes at a time from the aligned block holding p. */
static unsigned sse_strlen(const char* p) {
    const __m128i zero = _mm_setzero_si128();
    const unsigned long off = (unsigned long)p & 15;
    const __m128i* b = (const __m128i*)(p - off);
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(b), zero)) >> off;
    if (mask) return (unsigned)__builtin_ctz(mask);
    for (;;) {
        ++b;
        mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(b), zero));
        if (mask) return (unsigned)((const char*)b - p) + (unsigned)__builtin_ctz(mask);
    }
}

#define VEC 2048
static float fa[VEC], fb[VEC];
static double da[VEC], db[VEC];
static float dot_f(const float* a, const float* b) {
    float acc[4] = {0, 0, 0, 0};
    for (int i = 0; i < VEC; i += 4)
        for (int k = 0; k < 4; ++k) acc[k] += a[i + k] * b[i + k];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}
static double dot_d(const double* a, const double* b) {
    double acc[2] = {0, 0};
    for (int i = 0; i < VEC; i += 2)
        for (int k = 0; k < 2; ++k) acc[k] += a[i + k] * b[i + k];
    return acc[0] + acc[1];
}

#define M 32
static float ma[M][M], mb[M][M], mc[M][M];
static void matmul(void) {
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < M; ++j) mc[i][j] = 0;
        for (int k = 0; k < M; ++k)
            for (int j = 0; j < M; ++j) mc[i][j] += ma[i][k] * mb[k][j];
    }
}

static u32 bits_f(float f) {
    union { float f; u32 u; } v = {f};
    return v.u;
}
static u32 bits_d(double d) {
    union { double d; u64 u; } v = {d};
    return (u32)(v.u ^ (v.u >> 32));
}

void workload(unsigned rounds, void (*put_char)(char)) {
    u32 mem = 0, len = 0, fdot = 0, ddot = 0, mat = 0;
    rng_state = 7;
    for (unsigned i = 0; i < BYTES; ++i) src[i] = (unsigned char)(rng() | 1);
    for (int i = 0; i < VEC; ++i) {
        fa[i] = (float)(int)(rng() & 0xFFF) / 256.0f;
        fb[i] = (float)(int)(rng() & 0xFFF) / 512.0f - 4.0f;
        da[i] = (double)fa[i] * 1.0000001;
        db[i] = (double)(int)rng() / 65536.0;
    }
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < M; ++j) {
            ma[i][j] = (float)((i * 7 + j * 3) % 17) - 8.0f;
            mb[i][j] = (float)((i * 5 + j * 11) % 13) * 0.25f;
        }
    for (unsigned r = 0; r < rounds; ++r) {
        const unsigned n = BYTES - (r & 255);
        copy(dst, src + (r & 15), n);
        fill(dst + (r & 7), (unsigned char)r, n / 3);
        mem = mem * 31 + sum_bytes(dst, BYTES);
        for (unsigned k = 0; k < 64; ++k) {
            const unsigned at = (r * 131 + k * 257) & (BYTES / 2 - 1);
            src[at + 100 + (k & 63)] = 0;
            len += sse_strlen((const char*)src + at);
            src[at + 100 + (k & 63)] = 1;
        }
        fa[r & (VEC - 1)] += 0.5f;
        da[r & (VEC - 1)] -= 0.25;
        fdot = fdot * 3 + bits_f(dot_f(fa, fb));
        ddot = ddot * 3 + bits_d(dot_d(da, db));
        ma[r & (M - 1)][(r >> 5) & (M - 1)] += 1.0f;
        matmul();
        mat = mat * 5 + bits_f(mc[r & (M - 1)][(r * 3) & (M - 1)]) + (u32)(int)mc[M - 1][M - 1];
    }
    put_hex(put_char, "memory ", mem);
    put_hex(put_char, "strlen ", len);
    put_hex(put_char, "dot float ", fdot);
    put_hex(put_char, "dot double ", ddot);
    put_hex(put_char, "matmul ", mat);
}
