# The Python benchmark's program (bench/python.sh), run by Debian's i386 python3.11 inside the
# guest and, to make the reference output, by the same binary on the host (scripts/debian-guest
# --python). Each section prints "JITPC-PY NAME RESULT" when it ends; the host times the gaps
# between those lines. Everything is deterministic: the same lines on every emulator.
import hashlib
import math
import sys
import zlib


def lcg(seed):
    while True:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        yield seed


def strings():
    """Sorting, joining, splitting and formatting strings."""
    rnd = lcg(1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(letters[next(rnd) % 26] for _ in range(3 + next(rnd) % 9)) for _ in range(40000)]
    words.sort()
    text = " ".join(words)
    upper = sorted(set(text.upper().split()), key=lambda w: (len(w), w[::-1]))
    lines = ["%s:%d:%s" % (w, i, w.capitalize()) for i, w in enumerate(upper[:20000])]
    return "%d %d %s" % (len(text), len(upper), zlib.crc32("\n".join(lines).encode()))


class Node:
    __slots__ = ("key", "count", "children")

    def __init__(self, key):
        self.key = key
        self.count = 0
        self.children = {}

    def add(self, word, at=0):
        self.count += 1
        if at < len(word):
            c = word[at]
            child = self.children.get(c)
            if child is None:
                child = self.children[c] = Node(c)
            child.add(word, at + 1)

    def size(self):
        return 1 + sum(child.size() for child in self.children.values())


def dicts():
    """Dictionaries, objects, calls and returns."""
    rnd = lcg(2)
    counts = {}
    for _ in range(300000):
        k = next(rnd) % 5000
        counts[k] = counts.get(k, 0) + 1
    inverse = {}
    for k, v in counts.items():
        inverse.setdefault(v, []).append(k)
    root = Node("")
    for k in sorted(counts):
        root.add(str(k * 7919))
    fib = {0: 0, 1: 1}

    def f(n):
        if n not in fib:
            fib[n] = f(n - 1) + f(n - 2)
        return fib[n]

    return "%d %d %d %d" % (len(counts), max(inverse), root.size(), f(400) % 1000003)


def hashing():
    """hashlib's SHA-256, MD5 and SHA-1 over chained blocks."""
    data = bytes(range(256)) * 64
    h = b""
    for _ in range(900):
        h = hashlib.sha256(h + data).digest()
        h = hashlib.md5(h + data).digest()
        h = hashlib.sha1(h + data).digest()
    return h.hex()


def compression():
    """zlib: compress and decompress text and structured bytes."""
    rnd = lcg(3)
    text = " ".join("w%d" % (next(rnd) % 2000) for _ in range(50000)).encode()
    out = 0
    for level in (1, 6):
        z = zlib.compress(text, level)
        if zlib.decompress(z) != text:
            raise SystemExit("zlib round trip failed")
        out = zlib.adler32(z, out)
    return "%d %d" % (len(text), out)


def floats():
    """Float arithmetic (the interpreter's float objects) and the math module (libm)."""
    # Mandelbrot set on a small grid: plain float multiply and add.
    inside = 0
    for py in range(120):
        ci = -1.2 + py * 0.02
        for px in range(80):
            cr = -2.0 + px * 0.0325
            zr = zi = 0.0
            for _ in range(60):
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                if zr * zr + zi * zi > 4.0:
                    break
            else:
                inside += 1
    # libm's transcendental functions and square roots.
    acc = 0.0
    for i in range(1, 80000):
        x = i * 0.0005
        acc += math.sin(x) * math.cos(x) + math.sqrt(x) - math.log(x) + math.exp(-x) + math.atan2(x, 1.5)
    # A two-body step loop: division, hypot, fsum.
    x, y, vx, vy = 1.0, 0.0, 0.0, 1.0
    for _ in range(120000):
        r = math.hypot(x, y)
        a = -1.0 / (r * r * r)
        vx += a * x * 0.001
        vy += a * y * 0.001
        x += vx * 0.001
        y += vy * 0.001
    total = math.fsum([acc, x, y])
    return "%d %.12e %.12e %.12e" % (inside, acc, x, y) + " " + float.hex(total)


SECTIONS = [("strings", strings), ("dicts", dicts), ("hashing", hashing), ("zlib", compression),
            ("floats", floats)]

if __name__ == "__main__":
    print("JITPC-PY begin", flush=True)
    for name, fn in SECTIONS:
        print("JITPC-PY %s %s" % (name, fn()), flush=True)
    print("JITPC-PY end", flush=True)
    sys.exit(0)
