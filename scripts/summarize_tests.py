"""Totals a meson test log: test runners that count cases (doctest, jitpc-difftest) contribute
their own counts, every other test counts as one. A skipped test (exit 77: the host lacks what it
needs, e.g. running 32-bit programs) counts as neither and is listed with its reason. Prints
'N passed, M failed' last."""
import json
import re
import sys

DOCTEST = re.compile(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")
PLAIN = re.compile(r"^(\d+) passed, (\d+) failed", re.M)

passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        t = json.loads(line)
        out = t.get("stdout") or ""
        if t["result"] == "SKIP":
            print(f"{t['name']}: {out.strip().splitlines()[-1] if out.strip() else 'skipped'}")
            skipped += 1
            continue
        ok = t["result"] in ("OK", "EXPECTEDFAIL")
        m = DOCTEST.search(out) or None
        plain = PLAIN.findall(out)
        if m:
            p, f = int(m.group(2)), int(m.group(3))
        elif plain:
            p, f = map(int, plain[-1])
        else:
            p, f = (1, 0) if ok else (0, 1)
        if not ok and f == 0:
            f = 1  # crashed or timed out after printing a clean count
        print(f"{t['name']}: {p} passed, {f} failed")
        passed += p
        failed += f
if skipped:
    print(f"{skipped} tests skipped")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
