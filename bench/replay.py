#!/usr/bin/env python3
"""bench/replay.py [JITPC] [RUNS]: what -record and -replay cost on the Debian guest's test-mode
run (-kernel, -m 128M; scripts/debian-guest), beside a plain run of the same build and beside
QEMU's TCG plain, in icount mode (-icount shift=auto) and recording (-icount
shift=auto,rr=record, its disk and CD behind blkreplay drives, as QEMU's record/replay needs).

Prints, per kind of run, the median over RUNS (default 3, interleaved) of the host CPU seconds
(user + system) and wall-clock seconds, the overhead of each against the plain run, the log's
size and its bytes per 10^6 instructions. CPU time is the figure to read on this shared, noisy
machine: the wall clock carries everyone else's load."""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "build" / "guests" / "debian"
INPUT = b"\n" * 64 + b"echo JITPC-INPUT-$((6*7))\n"
BOOT = ["-nographic", "-no-reboot", "-m", "128M", "-kernel", GUEST / "vmlinuz", "-initrd", GUEST / "initrd.img",
        "-append", "console=ttyS0 jitpc.test=1 panic=-1"]
MACHINE = [*BOOT, "-snapshot", "-hda", GUEST / "disk.img", "-cdrom", GUEST / "cd.iso"]


def qemu_record(log):
    """QEMU's recording run: every block device behind a blkreplay driver."""
    drives = []
    for name, image, media in (("hd", GUEST / "disk.img", "disk"), ("cd", GUEST / "cd.iso", "cdrom")):
        drives += ["-drive", f"file={image},if=none,id={name}-direct,format=raw,snapshot=on,media={media}",
                   "-drive", f"driver=blkreplay,if=none,image={name}-direct,id={name}",
                   "-device", f"ide-{name},drive={name}"]
    return [*BOOT, "-icount", f"shift=auto,rr=record,rrfile={log}", *drives]


def timed(cmd, qemu=False):
    """(cpu seconds, wall seconds, stderr, all checks passed)"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    if not qemu:  # jitpc delivers piped input once the guest opened the UART (README)
        p.stdin.write(INPUT)
        p.stdin.close()
    passed = False
    for line in p.stdout:
        if qemu and b"JITPC-READY-FOR-INPUT" in line and not p.stdin.closed:
            p.stdin.write(INPUT[-26:])
            p.stdin.close()
        passed |= line.startswith(b"JITPC-ALL-PASSED")
    err = p.stderr.read().decode()
    p.wait()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, err, passed and p.returncode == 0


def main():
    jitpc = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "jitpc")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if subprocess.run([sys.executable, ROOT / "scripts" / "debian-guest", GUEST]).returncode:
        raise SystemExit("replay bench: the Debian guest is not available")
    work = Path(tempfile.mkdtemp(prefix="jitpc-replay-bench-"))
    log = work / "linux.log"
    kinds = {"jitpc plain": [jitpc, *MACHINE, "-stats"],
             "jitpc -record": [jitpc, *MACHINE, "-stats", "-record", log],
             "jitpc -replay": [jitpc, *MACHINE, "-stats", "-replay", log]}
    results = {k: [] for k in kinds}
    insns = None
    for _ in range(runs):
        for kind, cmd in kinds.items():
            cpu, wall, err, ok = timed(cmd)
            if not ok:
                raise SystemExit(f"replay bench: {kind} failed:\n{err}")
            results[kind].append((cpu, wall))
            for line in err.splitlines():
                if line.startswith("jitpc: retired instructions:"):
                    insns = int(line.split()[-1])
    qemu = {}
    if any((Path(d) / "qemu-system-i386").exists() for d in os.environ["PATH"].split(":")):
        for kind, args in (("qemu-system-i386 TCG", MACHINE),
                           ("qemu-system-i386 -icount shift=auto", [*MACHINE, "-icount", "shift=auto"]),
                           ("qemu-system-i386 -icount rr=record", qemu_record(work / "qemu.rr"))):
            cpu, wall, err, ok = timed(["qemu-system-i386", *args], qemu=True)
            qemu[kind] = (cpu, wall, ok)
    size = log.stat().st_size
    base = statistics.median(c for c, _ in results["jitpc plain"])
    base_wall = statistics.median(w for _, w in results["jitpc plain"])
    print(f"Debian test-mode run, {insns} instructions; medians of {runs} interleaved runs")
    print(f"{'run':40} {'CPU s':>8} {'vs plain':>9} {'wall s':>8} {'vs plain':>9}")
    for kind, r in results.items():
        cpu = statistics.median(c for c, _ in r)
        wall = statistics.median(w for _, w in r)
        print(f"{kind:40} {cpu:8.2f} {100 * (cpu / base - 1):+8.1f}% {wall:8.2f} {100 * (wall / base_wall - 1):+8.1f}%")
    for kind, (cpu, wall, ok) in qemu.items():
        print(f"{kind:40} {cpu:8.2f} {'':9} {wall:8.2f} {'':9} {'' if ok else '(checks failed)'}")
    print(f"log: {size} bytes, {size / (insns / 1e6):.1f} bytes per 10^6 instructions")
    if (work / "qemu.rr").exists():
        print(f"QEMU's log: {(work / 'qemu.rr').stat().st_size} bytes")
    for f in work.iterdir():
        f.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
