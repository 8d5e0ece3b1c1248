"""What the record/replay, snapshot and monitor tests share: failures collected as they come,
a jitpc run with -stats and the debug console off, its -stats counts, and the one-line error
check."""
import subprocess

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(jitpc, args, stdin=b""):
    p = subprocess.run([jitpc, "-debugcon", "none", "-stats", *args], input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("latin-1")


def counts(err):
    return [l for l in err.splitlines() if l.startswith("jitpc: retired") or l.startswith("jitpc: virtual")]


def expect_error(jitpc, name, args, words):
    """Status 1 and one 'jitpc:' line holding every one of `words`."""
    status, _, err = run(jitpc, args)
    check(status == 1 and len(err.splitlines()) == 1 and err.startswith("jitpc: ") and all(w in err for w in words),
          f"{name}: status {status}, want 1 and one 'jitpc:' line with {words}: {err!r}")


def verdict(name):
    print(f"{len(failures)} failed" if failures else f"{name}: all passed")
    return 1 if failures else 0
