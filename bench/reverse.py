#!/usr/bin/env python3
"""bench/reverse.py [JITPC] [COUNT]: reverse debugging's latency on a recording of COUNT
instructions (default 10^9) of the Debian guest's test-mode run (-kernel, -m 128M;
scripts/debian-guest), over gdb's Remote Serial Protocol as gdb sends it (a client in this
script, so that only the stub's time is measured).

The recording ends at COUNT (-max-insns). The replay runs under -gdb and -S; the client
continues to the log's end (forward replay, taking the in-memory checkpoints), then times:
reverse-stepi (bs) there; reverse-continue (bc) to a breakpoint on the instruction the guest
ran 10^6 instructions before the end (the last time it ran it: at most that far back); and
reverse-continue with a write watchpoint on the stack word the guest's ESP pointed to then.
Prints host wall-clock seconds of each and the checkpoints' memory (`monitor info replay`).
QEMU's reverse debugging needs a replay started from a qcow2 snapshot (rrsnapshot), which the
Debian guest's raw images and -kernel boot do not give it: no QEMU figure is printed."""
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "build" / "guests" / "debian"
INPUT = b"\n" * 64 + b"echo JITPC-INPUT-$((6*7))\n"
MACHINE = ["-nographic", "-no-reboot", "-snapshot", "-m", "128M", "-kernel", GUEST / "vmlinuz", "-initrd",
           GUEST / "initrd.img", "-append", "console=ttyS0 jitpc.test=1 panic=-1", "-hda", GUEST / "disk.img",
           "-cdrom", GUEST / "cd.iso"]
EIP, ESP = 8, 4  # register numbers in the i386 target description


class Rsp:
    """A minimal RSP client: one packet out, its answer back (acknowledged mode)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        for _ in range(500):
            try:
                self.s.connect(str(path))
                break
            except OSError:
                time.sleep(0.02)
        self.buf = b""

    def send(self, payload):
        data = payload.encode("latin-1")
        self.s.sendall(b"$%s#%02x" % (data, sum(data) & 0xFF))

    def receive(self):
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start)
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                payload = self.buf[start + 1:end].decode("latin-1")
                self.buf = self.buf[end + 3:]
                self.s.sendall(b"+")
                return payload
            chunk = self.s.recv(65536)
            if not chunk:
                raise SystemExit("reverse bench: the stub closed the connection")
            self.buf += chunk

    def ask(self, payload):
        self.send(payload)
        return self.receive()

    def timed(self, payload):
        t0 = time.monotonic()
        answer = self.ask(payload)
        return time.monotonic() - t0, answer

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

    def count(self):
        return int(self.monitor("when").split()[-1])


def main():
    jitpc = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "jitpc")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
    if subprocess.run([sys.executable, ROOT / "scripts" / "debian-guest", GUEST]).returncode:
        raise SystemExit("reverse bench: the Debian guest is not available")
    work = Path(tempfile.mkdtemp(prefix="jitpc-reverse-bench-"))
    log, sock = work / "run.log", work / "gdb.sock"
    machine = [str(a) for a in MACHINE]
    rec = subprocess.run([jitpc, *machine, "-max-insns", str(count), "-record", str(log)], input=INPUT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if rec.returncode != 3:
        raise SystemExit(f"reverse bench: the recording ended with {rec.returncode}: {rec.stderr.decode()}")
    p = subprocess.Popen([jitpc, *machine, "-replay", str(log), "-gdb", f"unix:{sock}", "-S"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        gdb = Rsp(sock)
        gdb.ask("qSupported:multiprocess+;swbreak+;hwbreak+")
        forward, stop = gdb.timed("vCont;c")
        if "replaylog:end" not in stop:
            raise SystemExit(f"reverse bench: the forward run stopped with {stop}")
        end = gdb.count()
        bs, _ = gdb.timed("bs")
        stepped = gdb.count()
        gdb.monitor(f"seek {end - 10**6}")
        eip, esp = gdb.register(EIP), gdb.register(ESP)
        gdb.monitor(f"seek {end}")
        gdb.ask(f"Z0,{eip:x},1")
        bc_break, _ = gdb.timed("bc")
        at_break = gdb.count()
        gdb.ask(f"z0,{eip:x},1")
        gdb.monitor(f"seek {end}")
        gdb.ask(f"Z2,{esp:x},4")
        bc_watch, _ = gdb.timed("bc")
        at_watch = gdb.count()
        gdb.ask(f"z2,{esp:x},4")
        info = gdb.monitor("info replay")
        gdb.send("k")
    finally:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    print(f"Debian test-mode run recorded to {end} instructions; host wall-clock seconds")
    print(f"{'forward replay to the end (checkpoints taken)':58} {forward:8.3f}")
    print(f"{'reverse-stepi at the end (to ' + str(stepped) + ')':58} {bs:8.3f}")
    print(f"{'reverse-continue to a breakpoint (to ' + str(at_break) + ')':58} {bc_break:8.3f}")
    print(f"{'reverse-continue to a write watchpoint (to ' + str(at_watch) + ')':58} {bc_watch:8.3f}")
    print("checkpoints (monitor info replay):")
    print("\n".join("  " + line for line in info.strip().splitlines()))


if __name__ == "__main__":
    main()
