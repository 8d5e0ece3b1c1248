#!/usr/bin/env python3
"""bench/reverse.py [JITPC] [COUNT]: reverse debugging's latency on a recording of COUNT
instructions (default 10^9) of the Debian amd64 guest's test-mode run (-kernel, -m 512M, -cpu max;
scripts/debian-guest --arch amd64), over gdb's Remote Serial Protocol as gdb sends it (a client
in this script, so that only the stub's time is measured), on jitpc and on QEMU.

jitpc's recording ends at COUNT (-max-insns). Its replay runs under -gdb and -S; the client
continues to the log's end (forward replay, taking the in-memory checkpoints), then times:
reverse-stepi (bs) there; reverse-continue (bc) to a breakpoint on the instruction the guest
ran 10^6 instructions before the end (the last time it ran it: at most that far back); and
reverse-continue with a write watchpoint on the stack word RSP pointed to then. Prints host
wall-clock seconds of each, the emulator process's CPU seconds meanwhile (user and system: on a
loaded host the wall clock also counts the other processes' turns), and the checkpoints'
memory (`monitor info replay`).

QEMU (qemu-system-x86_64 -accel tcg) records the same machine with -icount rr=record and an
rrsnapshot (reverse execution restores that snapshot, kept in a qcow2 image, and replays forward
from it), its disks through blkreplay over qcow2 overlays; the recording is stopped once
`info replay` reaches COUNT. Its replay runs under -gdb and -S and the same client does the same
(`replay_break` to stop at the end, `replay_seek` to find the breakpoint's address). A step that
makes no progress for a minute (QEMU's count, read on a second monitor, stands still) or gets no
answer in 10 minutes ends the QEMU part with "QEMU: not measurable because ..." and the reason."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "build" / "guests" / "debian-amd64"
INPUT = b"\n" * 64 + b"echo JITPC-INPUT-$((6*7))\n"
APPEND = "console=ttyS0 jitpc.test=1 panic=-1"
RIP, RSP = 16, 7  # register numbers in the amd64 target description (jitpc's and QEMU's)
STALL, LIMIT = 60, 600  # seconds without progress, seconds in all, before a step is given up


class NotMeasurable(Exception):
    pass


def connect(path):
    """A Unix socket connected to `path`, once the emulator listens there (10 s at most)."""
    s = socket.socket(socket.AF_UNIX)
    for _ in range(500):
        try:
            s.connect(str(path))
            return s
        except OSError:
            time.sleep(0.02)
    raise NotMeasurable(f"nothing listens on {path}")


class Rsp:
    """A minimal RSP client: one packet out, its answer back (acknowledged mode)."""

    def __init__(self, path, pid):
        self.s = connect(path)
        self.buf = b""
        self.pid = pid  # the emulator's, whose CPU time timed() measures
        self.progress = None  # a callable giving the target's instruction count, while waiting

    def send(self, payload):
        data = payload.encode("latin-1")
        self.s.sendall(b"$%s#%02x" % (data, sum(data) & 0xFF))

    def receive(self):
        start, last, seen = time.monotonic(), time.monotonic(), None
        self.s.settimeout(1)
        while True:
            begin = self.buf.find(b"$")
            end = self.buf.find(b"#", begin)
            if begin >= 0 and end >= 0 and len(self.buf) >= end + 3:
                payload = self.buf[begin + 1:end].decode("latin-1")
                self.buf = self.buf[end + 3:]
                self.s.sendall(b"+")
                return payload
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                now = time.monotonic()
                count = self.progress() if self.progress else None
                if count != seen or not self.progress:
                    seen, last = count, now
                if now - last > STALL or now - start > LIMIT:
                    raise NotMeasurable(f"no answer after {now - start:.0f} s, the instruction count standing at {seen}")
                continue
            if not chunk:
                raise NotMeasurable("the stub closed the connection")
            self.buf += chunk

    def ask(self, payload):
        self.send(payload)
        return self.receive()

    def cpu(self):
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def timed(self, payload):
        """(wall-clock seconds, the emulator's CPU seconds) until the answer, and the answer."""
        t0, c0 = time.monotonic(), self.cpu()
        answer = self.ask(payload)
        return (time.monotonic() - t0, self.cpu() - c0), answer

    def monitor(self, command):
        out = ""
        answer = self.ask("qRcmd," + command.encode().hex())
        while answer.startswith("O") and answer != "OK":  # console output packets
            out += bytes.fromhex(answer[1:]).decode()
            answer = self.receive()
        if answer not in ("OK", ""):
            out += bytes.fromhex(answer).decode()
        return out

    def register(self, n):
        return int.from_bytes(bytes.fromhex(self.ask(f"p{n:x}")), "little")


class Hmp:
    """QEMU's human monitor on a Unix socket: a command, its output up to the next prompt."""

    def __init__(self, path):
        self.s = connect(path)
        self.s.settimeout(30)
        self.buf = b""
        self("")

    def __call__(self, command):
        if command:
            self.s.sendall(command.encode() + b"\n")
        while b"(qemu) " not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise NotMeasurable("its monitor closed the connection")
            self.buf += chunk
        out, _, self.buf = self.buf.partition(b"(qemu) ")
        return out.decode("latin-1")

    def count(self):
        return int(re.search(r"instruction count = (\d+)", self("info replay")).group(1))


def go_back(gdb, end, seek, when):
    """From the recording's end `end`: bs, then bc to a breakpoint and to a write watchpoint
    (found by seeking 10^6 instructions back). [(what, seconds, count it stopped at)]."""
    rows = []
    t, _ = gdb.timed("bs")
    rows.append(("reverse-stepi at the end", t, when()))
    seek(end - 10**6)
    rip, rsp = gdb.register(RIP), gdb.register(RSP)
    seek(end)
    gdb.ask(f"Z0,{rip:x},1")
    t, _ = gdb.timed("bc")
    rows.append(("reverse-continue to a breakpoint", t, when()))
    gdb.ask(f"z0,{rip:x},1")
    seek(end)
    gdb.ask(f"Z2,{rsp:x},8")
    t, _ = gdb.timed("bc")
    rows.append(("reverse-continue to a write watchpoint", t, when()))
    gdb.ask(f"z2,{rsp:x},8")
    return rows


def jitpc_run(jitpc, count, work):
    log, sock = work / "run.log", work / "gdb.sock"
    machine = ["-nographic", "-no-reboot", "-snapshot", "-m", "512M", "-cpu", "max", "-kernel", GUEST / "vmlinuz",
               "-initrd", GUEST / "initrd.img", "-append", APPEND, "-hda", GUEST / "disk.img", "-cdrom", GUEST / "cd.iso"]
    machine = [str(a) for a in machine]
    rec = subprocess.run([jitpc, *machine, "-max-insns", str(count), "-record", str(log)], input=INPUT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if rec.returncode != 3:
        raise SystemExit(f"reverse bench: the recording ended with {rec.returncode}: {rec.stderr.decode()}")
    p = subprocess.Popen([jitpc, *machine, "-replay", str(log), "-gdb", f"unix:{sock}", "-S"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        gdb = Rsp(sock, p.pid)
        gdb.ask("qSupported:multiprocess+;swbreak+;hwbreak+")
        forward, stop = gdb.timed("vCont;c")
        if "replaylog:end" not in stop:
            raise SystemExit(f"reverse bench: the forward run stopped with {stop}")

        def when():
            return int(gdb.monitor("when").split()[-1])

        end = when()
        rows = go_back(gdb, end, lambda n: gdb.monitor(f"seek {n}"), when)
        info = gdb.monitor("info replay")
        gdb.send("k")
    finally:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
    return end, forward, rows, info


def qemu_run(count, work):
    """QEMU's figures as jitpc_run's, or NotMeasurable with the reason."""
    qemu, qemu_img = shutil.which("qemu-system-x86_64"), shutil.which("qemu-img")
    if not qemu or not qemu_img:
        raise NotMeasurable("qemu-system-x86_64 or qemu-img is not installed (apt-get install qemu-system-x86 qemu-utils)")
    for image in ("rr.qcow2", "disk.qcow2"):
        (work / image).unlink(missing_ok=True)
    subprocess.run([qemu_img, "create", "-q", "-f", "qcow2", work / "rr.qcow2", "1G"], check=True)
    subprocess.run([qemu_img, "create", "-q", "-f", "qcow2", "-b", GUEST / "disk.img", "-F", "raw", work / "disk.qcow2"],
                   check=True)
    mon, sock, rr = work / "mon.sock", work / "qemu-gdb.sock", work / "run.rr"
    machine = [qemu, "-accel", "tcg", "-cpu", "max", "-m", "512M", "-nographic", "-no-reboot",
               "-kernel", GUEST / "vmlinuz", "-initrd", GUEST / "initrd.img", "-append", APPEND,
               "-drive", f"file={work / 'disk.qcow2'},if=none,id=hd", "-drive", "driver=blkreplay,if=none,image=hd,id=hd-rr",
               "-device", "ide-hd,drive=hd-rr",
               "-drive", f"file={GUEST / 'cd.iso'},if=none,id=cd,format=raw,readonly=on",
               "-drive", "driver=blkreplay,if=none,image=cd,id=cd-rr,readonly=on", "-device", "ide-cd,drive=cd-rr",
               "-drive", f"file={work / 'rr.qcow2'},if=none,id=rr", "-monitor", f"unix:{mon},server,nowait"]
    machine = [str(a) for a in machine]
    icount = f"shift=auto,rrfile={rr},rrsnapshot=init,rr="
    mon.unlink(missing_ok=True)
    rec = subprocess.Popen([*machine, "-icount", icount + "record"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    rec.stdin.write(INPUT)
    rec.stdin.flush()
    hmp = Hmp(mon)
    while hmp.count() < count:
        time.sleep(0.05)
    hmp("stop")
    end = hmp.count()
    hmp.s.sendall(b"quit\n")
    if rec.wait(timeout=60):
        raise NotMeasurable(f"its recording ended with status {rec.returncode}: {rec.stderr.read().decode()}")
    mon.unlink(missing_ok=True)
    p = subprocess.Popen([*machine, "-icount", icount + "replay", "-chardev", f"socket,path={sock},server=on,wait=off,id=gdb",
                          "-gdb", "chardev:gdb", "-S"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        hmp = Hmp(mon)
        gdb = Rsp(sock, p.pid)
        gdb.progress = hmp.count
        supported = gdb.ask("qSupported:multiprocess+;swbreak+;hwbreak+")
        if "ReverseStep+" not in supported:
            raise NotMeasurable(f"its stub does not offer reverse execution: {supported}")
        gdb.monitor(f"replay_break {end}")
        try:
            forward, _ = gdb.timed("vCont;c")
        except NotMeasurable as e:
            raise NotMeasurable(f"its replay from the rrsnapshot snapshot (what reverse execution restores) "
                                f"does not run: continuing to the recording's end at {end} gets {e}") from None

        def seek(n):
            gdb.monitor(f"replay_seek {n}")

        rows = go_back(gdb, end, seek, hmp.count)
        size = (work / "rr.qcow2").stat().st_size
        info = f"its one snapshot (rrsnapshot=init, which reverse execution replays from): rr.qcow2 {size / 2**20:.1f} MiB"
    finally:
        p.kill()
        p.wait()
    return end, forward, rows, info


def report(name, end, forward, rows, info):
    print(f"{name}: the Debian amd64 test-mode run recorded to {end} instructions")
    print(f"  {'':56} {'wall s':>8} {'CPU s':>8}")
    for what, (wall, cpu) in [("forward replay to the end", forward)] + [(f"{w} (to {at})", t) for w, t, at in rows]:
        print(f"  {what:56} {wall:8.3f} {cpu:8.3f}")
    print("\n".join("  " + line for line in info.strip().splitlines()))


def main():
    jitpc = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "jitpc")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
    if subprocess.run([sys.executable, ROOT / "scripts" / "debian-guest", "--arch", "amd64", GUEST]).returncode:
        raise SystemExit("reverse bench: the Debian guest is not available")
    print(f"load average before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    with tempfile.TemporaryDirectory(prefix="jitpc-reverse-bench-") as d:
        try:
            report("jitpc", *jitpc_run(jitpc, count, Path(d)))
        except NotMeasurable as e:
            raise SystemExit(f"reverse bench: jitpc: {e}") from None
        try:
            report("QEMU", *qemu_run(count, Path(d)))
        except NotMeasurable as e:
            print(f"QEMU: not measurable because {e}")
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
