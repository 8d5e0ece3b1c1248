#include "workload.h"

typedef unsigned int u32;

static u32 rng_state;
static u32 rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static void put_hex(void (*put_char)(char), const char* label, u32 v) {
    while (*label) put_char(*label++);
    for (int i = 7; i >= 0; --i) put_char("0123456789abcdef"[(v >> (i * 4)) & 15]);
    put_char('\n');
}

#define SORT_N 4096
static int sort_buf[SORT_N];

static void quicksort(int* a, int lo, int hi) {
    while (lo < hi) {
        const int pivot = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) ++i;
            while (a[j] > pivot) --j;
            if (i <= j) {
                const int t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static u32 crc_table[256];
static unsigned char crc_buf[16384];

static void crc_init(void) {
    for (u32 n = 0; n < 256; ++n) {
        u32 c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}
static u32 crc32(const unsigned char* p, u32 len) {
    u32 c = 0xFFFFFFFFu;
    while (len--) c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* A tiny stack machine: enough opcodes that the compiler builds a jump table. */
enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DUP, OP_SWAP, OP_JNZ, OP_DEC, OP_XOR, OP_SHL, OP_HALT };
static u32 run_bytecode(u32 n) {
    static const unsigned char prog[] = {
        OP_PUSH, 1, OP_PUSH, 0,              /* acc=1, i=n (patched below) */
        OP_SWAP, OP_DUP, OP_SHL, OP_XOR,     /* 4: acc = acc ^ (acc << 1) */
        OP_PUSH, 7, OP_ADD,                  /* acc += 7 */
        OP_SWAP, OP_DEC, OP_DUP, OP_JNZ, 4,  /* loop while --i */
        OP_HALT};
    u32 stack[16];
    int sp = 0;
    unsigned pc = 0;
    for (;;) {
        const unsigned char op = prog[pc++];
        switch (op) {
        case OP_PUSH: stack[sp++] = (pc == 3) ? n : prog[pc]; ++pc; break;
        case OP_ADD: --sp; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: --sp; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: --sp; stack[sp - 1] *= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; ++sp; break;
        case OP_SWAP: { const u32 t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
        case OP_JNZ: if (stack[--sp]) pc = prog[pc]; else ++pc; break;
        case OP_DEC: stack[sp - 1] -= 1; break;
        case OP_XOR: --sp; stack[sp - 1] ^= stack[sp]; break;
        case OP_SHL: stack[sp - 1] <<= 1; break;
        case OP_HALT: return stack[0] + stack[1];
        default: return 0xDEADu;
        }
    }
}

/* Floating point through the x87 (tests only: the benchmark keeps the integer mix that the
 * reference figures were measured with): a small Mandelbrot escape-count sum and a square-root
 * series, with conversions between doubles and integers. */
#ifdef WORKLOAD_X87
static u32 mandel(int size, int iters) {
    u32 total = 0;
    for (int py = 0; py < size; ++py)
        for (int px = 0; px < size; ++px) {
            const double cx = -2.0 + 2.5 * px / size, cy = -1.25 + 2.5 * py / size;
            double x = 0, y = 0;
            int n = 0;
            while (n < iters && x * x + y * y <= 4.0) {
                const double t = x * x - y * y + cx;
                y = 2 * x * y + cy;
                x = t;
                ++n;
            }
            total += (u32)n;
        }
    return total;
}
static u32 sqrt_series(int n) {
    double acc = 0;
    for (int i = 1; i <= n; ++i) acc += __builtin_sqrt((double)i) / (double)(i + 1);
    return (u32)(long long)(acc * 1e6);
}
#endif

typedef u32 (*binop)(u32, u32);
static u32 f_add(u32 a, u32 b) { return a + b; }
static u32 f_mix(u32 a, u32 b) { return (a ^ b) * 2654435761u; }
static u32 f_rot(u32 a, u32 b) { return (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)); }
static u32 f_div(u32 a, u32 b) { return b ? a / b + a % b : a; }
static binop const ops[4] = {f_add, f_mix, f_rot, f_div};

void workload(unsigned rounds, void (*put_char)(char)) {
    u32 sort_sum = 0, crc = 0, vm = 0, fp = 1, fpu = 0;
    crc_init();
    rng_state = 42;
    for (unsigned r = 0; r < rounds; ++r) {
        for (int i = 0; i < SORT_N; ++i) sort_buf[i] = (int)(rng() & 0xFFFFF) - 0x80000;
        quicksort(sort_buf, 0, SORT_N - 1);
        for (int i = 0; i < SORT_N; i += 97) sort_sum = sort_sum * 31 + (u32)sort_buf[i];
        for (unsigned i = 0; i < sizeof crc_buf; ++i) crc_buf[i] = (unsigned char)(rng() ^ r);
        crc ^= crc32(crc_buf, sizeof crc_buf);
        vm += run_bytecode(2000 + r);
        for (int i = 0; i < 20000; ++i) fp = ops[(fp ^ (u32)i) & 3](fp, (u32)i + 1);
#ifdef WORKLOAD_X87
        fpu += mandel(24, 64) + sqrt_series(500 + (int)r);
#endif
    }
    put_hex(put_char, "sort ", sort_sum);
    put_hex(put_char, "crc32 ", crc);
    put_hex(put_char, "vm ", vm);
    put_hex(put_char, "fnptr ", fp);
#ifdef WORKLOAD_X87
    put_hex(put_char, "x87 ", fpu);
#else
    (void)fpu;
#endif
}
