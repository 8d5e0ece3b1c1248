#!/usr/bin/env python3
"""seek_test.py JITPC WORK_IMAGE: the monitor's replay_seek on a replay of the replay_work guest
(about 50 million ticks: timer and serial interrupts, 8 MiB of memory written at random).

Under each engine, a replay stopped with replay_break at a list of counts gives the state hash
(`info replay`) at each; a second replay seeks to the same counts in another order, backward and
forward, across thinned checkpoints, to count 0 (before the recorded input) and back: every hash
must equal the straight run's. `info replay` lists the checkpoints; after the seeks the replay
runs to its end as recorded (status, -stats, no divergence). A seek past the end, a bad count and
a seek outside a replay get one answer line and the run goes on."""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import check, counts, verdict  # noqa: E402


class Session:
    """A replay (or plain run) with the monitor on stdio, started stopped."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd + ["-monitor", "stdio", "-S"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.out = ""
        self.wait_for("(jitpc) ", 0)

    def wait_for(self, text, start):
        while text not in self.out[start:]:
            chunk = self.p.stdout.read1(65536).decode("latin-1")
            if not chunk:
                raise RuntimeError(f"the monitor ended before {text!r}: {self.out[-300:]!r}")
            self.out += chunk

    def ask(self, line, until="(jitpc) "):
        start = len(self.out)
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()
        self.wait_for(until, start)
        if until != "(jitpc) ":
            self.wait_for("(jitpc) ", self.out.index(until, start))
        return self.out[start:]

    def hash(self):
        m = re.search(r"state hash (0x[0-9a-f]{16})", self.ask("info replay"))
        return m.group(1) if m else None

    def finish(self):
        self.p.stdin.write(b"cont\n")
        self.p.stdin.close()
        self.out += self.p.stdout.read().decode("latin-1")
        err = self.p.stderr.read().decode("latin-1")
        return self.p.wait(timeout=300), err


def main():
    jitpc, work_image = sys.argv[1:3]
    work = Path(tempfile.mkdtemp(prefix="jitpc-seek-"))
    guest = [jitpc, "-kernel", work_image, "-debugcon", "none", "-stats"]
    log = work / "work.log"
    rec = subprocess.run(guest + ["-serial", "stdio", "-record", str(log)], input=b"seek\n", capture_output=True,
                         timeout=300)
    check(rec.returncode == 33 and b"SEEK" in rec.stdout, f"recording: {rec.returncode} {rec.stderr!r}")
    targets = [0, 1000, 3000001, 10000000, 30000000, 45000000, 70000000]
    order = [30000000, 10000000, 70000000, 45000000, 10000000, 3000001, 0, 70000000, 1000]
    for engine in ("jit", "interp"):
        replay = guest + ["-serial", "none", "-engine", engine, "-replay", str(log)]
        straight = Session(replay)
        want = {0: straight.hash()}
        for t in targets[1:]:
            straight.ask(f"replay_break {t}")
            straight.ask("cont", "stopped at instruction count")
            want[t] = straight.hash()
        status, err = straight.finish()
        check(status == 33 and len(set(want.values())) == len(targets), f"{engine}: straight replay {status} {want}")

        s = Session(replay)
        for t in order:
            answer = s.ask(f"replay_seek {t}", f"replay_seek: at instruction count {t}\n")
            check("diverged" not in answer, f"{engine}: seek to {t}: {answer!r}")
            got = s.hash()
            check(got == want[t], f"{engine}: state at {t} after seeking there: {got}, straight {want[t]}")
        info = s.ask("info replay")
        m = re.search(r"checkpoints every (\d+) ticks, (\d+) KiB:((?: \d+)+)", info)
        check(m is not None and int(m.group(1)) > (1 << 20) and len(m.group(3).split()) >= 8 and
              m.group(3).split()[0] == "0", f"{engine}: checkpoints, thinned once the run grew: {info!r}")
        check("recording ends at count" in s.ask("replay_seek 999999999999"), f"{engine}: a seek past the end")
        check("needs an instruction count" in s.ask("replay_seek 12x"), f"{engine}: a bad count")
        status, err = s.finish()
        check(status == 33 and "diverged" not in err and counts(err) == counts(rec.stderr.decode("latin-1")),
              f"{engine}: the replay after seeks ends as recorded: {status} {err!r}")

    plain = Session(guest + ["-serial", "none", "-max-insns", "1000"])
    check("not a replay" in plain.ask("replay_seek 10"), "replay_seek outside a replay")
    plain.finish()
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return verdict("seek")


if __name__ == "__main__":
    sys.exit(main())
