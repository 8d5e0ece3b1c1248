#!/usr/bin/env python3
"""Hostile guests against jitpc's host side: each must end in a bounded outcome.

abuse_test.py JITPC CASE IMAGE ENGINE

rep_lodsb, rep_insd: a ring-0 guest streams over unmapped physical space (and an unclaimed
port): stderr stays one line without -d, and with -d guest_errors stops at the per-site budget
with a "more ... suppressed" summary. fault_loop: one console line names the exception the
guest takes over and over. idle_forever: one hint line, then idle time is paced on the host.
com1_wait: a guest waiting on COM1 with stdin an idle pipe still ends at -max-insns.
"""
import os
import subprocess
import sys
import time

BUDGET = 100_000  # logging::Site::DEFAULT_BUDGET
HOST_TIMEOUT = 60


def run(jitpc, img, engine, extra, stdin=subprocess.DEVNULL):
    """(status or None on timeout, stderr, host seconds)."""
    args = [jitpc, "-kernel", img, "-nographic", "-debugcon", "none", "-engine", engine] + extra
    start = time.monotonic()
    proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        err = proc.communicate(timeout=HOST_TIMEOUT)[1].decode("latin-1")
    except subprocess.TimeoutExpired:
        proc.kill()
        err = proc.communicate()[1].decode("latin-1")
        return None, err, HOST_TIMEOUT
    return proc.returncode, err, time.monotonic() - start


def expect(problems, cond, what):
    if not cond:
        problems.append(what)


def flood(jitpc, img, engine, what):
    problems = []
    status, err, _ = run(jitpc, img, engine, ["-max-insns", "1000000"])
    expect(problems, status == 3, f"status {status}, want 3")
    expect(problems, len(err.splitlines()) == 1 and "instruction limit reached" in err,
           f"without -d, stderr is {len(err)} bytes, want only the limit line: {err[:300]!r}")
    status, err, _ = run(jitpc, img, engine, ["-max-insns", "1000000", "-d", "guest_errors"])
    lines = err.splitlines()
    expect(problems, status == 3, f"-d guest_errors: status {status}, want 3")
    expect(problems, BUDGET <= len(lines) <= BUDGET + 4,
           f"-d guest_errors: {len(lines)} lines, want the budget of {BUDGET} and a few")
    expect(problems, any(f"more {what} messages suppressed" in l for l in lines[-3:]),
           f"-d guest_errors: no 'more {what} messages suppressed' summary: {lines[-3:]}")
    return problems


def hinted(jitpc, img, engine, limit, hint):
    """Runs to `limit` ticks; the problems, unless stderr has exactly one line with `hint`
    (besides the limit's), and the host seconds the run took."""
    problems = []
    status, err, took = run(jitpc, img, engine, ["-max-insns", limit])
    expect(problems, status == 3, f"status {status}, want 3")
    lines = err.splitlines()
    expect(problems, len(lines) == 2 and sum(hint in l for l in lines) == 1,
           f"want one line with '{hint}' and the limit's, got: {err!r}")
    return problems, took


def fault_loop(jitpc, img, engine):
    return hinted(jitpc, img, engine, "500000",
                  "took exception 13 (error code 0x1234) at 0008:")[0]


def idle_forever(jitpc, img, engine):
    # The hint comes after 10 s of virtual time; 0.3 s more are paced on the host.
    problems, took = hinted(jitpc, img, engine, "10300000000",
                            "only halted and taken timer interrupts")
    expect(problems, took >= 0.25, f"the run took {took:.2f} s: idle time after the hint is not paced")
    return problems


def com1_wait(jitpc, img, engine):
    problems = []
    # stdin: a pipe nobody writes to or closes while the run lasts.
    read_end, write_end = os.pipe()
    status, err, took = run(jitpc, img, engine, ["-max-insns", "1000000000"], stdin=read_end)
    os.close(read_end)
    os.close(write_end)
    expect(problems, status == 3, f"status {status} after {took:.0f} s, want 3 (the limit)")
    expect(problems, "no input on stdin" in err, f"no line about the silent stdin: {err!r}")
    return problems


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__.split("\n\n")[1])
    jitpc, case, img, engine = sys.argv[1:]
    cases = {
        "rep_lodsb": lambda: flood(jitpc, img, engine, "unmapped physical access"),
        "rep_insd": lambda: flood(jitpc, img, engine, "unmapped physical access"),
        "fault_loop": lambda: fault_loop(jitpc, img, engine),
        "idle_forever": lambda: idle_forever(jitpc, img, engine),
        "com1_wait": lambda: com1_wait(jitpc, img, engine),
    }
    problems = cases[case]()
    print(f"{case} ({engine}): {'PASS' if not problems else 'FAIL'}")
    for p in problems:
        print(f"  - {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
