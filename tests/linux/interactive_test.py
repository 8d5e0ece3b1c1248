#!/usr/bin/env python3
"""Types at the Debian guest's shell through a pseudo-terminal, as a user at a terminal does.

interactive_test.py JITPC GUESTDIR jit|interp [i386|amd64]

Boots the guest's interactive mode (a busybox shell on the serial console) under the given engine
with jitpc's stdin and stdout on a pseudo-terminal, types one command at once and more after the
guest has sat idle (an idle Linux stops its timer tick, which is when jitpc waits for a key), and
requires each command's output to arrive within OUTPUT_WAIT seconds of host time with no further
key pressed, and the idle guest to leave the host's CPU alone (jitpc's CPU time over the long
pause under IDLE_CPU_SHARE of it). Ctrl-A x must then end jitpc with status 0. The session is
recorded (-record) and replayed under the other engine, which must print the same. Exit 77
(skipped) only when no Debian mirror can be reached to build the guest.
"""
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_linux_test import build_guest

BOOT_WAIT = 600     # host seconds to reach the prompt (on a loaded machine)
OUTPUT_WAIT = 10    # host seconds a command's output may take
# Host seconds jitpc may take to end after Ctrl-A x (its pty's close at exit can take a few
# seconds on a loaded machine).
EXIT_WAIT = 60
# Host seconds to leave the guest idle before each later command: past the point where its
# tick stops (about 20 s after "crng init done" in the report of the bug).
IDLE_PAUSES = [25, 5]
# The share of one host core jitpc may use while the guest sits idle at its prompt: it waits on
# the terminal then, as QEMU does (spinning through the idle guest's virtual time took 80 %).
IDLE_CPU_SHARE = 0.10
# -max-insns of the replay, far above what the session retires.
REPLAY_MAX_INSNS = "200000000000"


def machine_args(guest, arch):
    """The options that define the machine (the same for the record and the replay)."""
    return (["-cpu", "max", "-m", "512M"] if arch == "amd64" else []) + [
        "-nographic", "-snapshot", "-kernel", str(guest / "vmlinuz"),
        "-initrd", str(guest / "initrd.img"), "-append", "console=ttyS0"]


class Guest:
    def __init__(self, jitpc, args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(jitpc, [jitpc] + args)
        self.out = b""

    def cpu_seconds(self):
        """jitpc's user and system CPU time so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def read_until(self, needle, seconds):
        """True when `needle` appears in the output within `seconds` of host time."""
        end = time.monotonic() + seconds
        while needle not in self.out:
            left = end - time.monotonic()
            if left <= 0:
                return False
            if select.select([self.fd], [], [], left)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:  # jitpc ended
                    return needle in self.out
        return True

    def type(self, text):
        os.write(self.fd, text)

    def finish(self):
        """Ctrl-A x; jitpc's exit status, or None when it did not end within EXIT_WAIT."""
        self.type(b"\x01x")
        end = time.monotonic() + EXIT_WAIT
        while time.monotonic() < end:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            # Keeps the pty drained; once jitpc closed it, reads fail at once, so also sleep.
            self.read_until(b"\0", 0.1)
            time.sleep(0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        return None


def replayed(jitpc, args, engine, log):
    """The guest output of the recorded session replayed under `engine`, and problems."""
    run = subprocess.run([jitpc] + args + ["-engine", engine, "-replay", log,
                                           "-max-insns", REPLAY_MAX_INSNS],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=BOOT_WAIT)
    if run.returncode != 0:
        return run.stdout, [f"the replay under {engine} ended with status {run.returncode}: "
                            f"{run.stderr.decode('latin-1').strip()}"]
    return run.stdout, []


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[3] not in ("jit", "interp"):
        raise SystemExit(__doc__.split("\n\n")[1])
    jitpc, guest, engine = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    arch = sys.argv[4] if len(sys.argv) == 5 else "i386"
    failed = build_guest("interactive_test", guest, ["--arch", arch])
    if failed is not None:
        return failed
    work = Path(tempfile.mkdtemp(prefix="jitpc-interactive-"))
    log = str(work / "session.log")
    args = machine_args(guest, arch)
    g = Guest(jitpc, args + ["-engine", engine, "-record", log])
    problems = []
    if not g.read_until(b"/ # ", BOOT_WAIT):
        problems.append(f"no shell prompt within {BOOT_WAIT} s")
    else:
        for n, pause in enumerate([0] + IDLE_PAUSES):
            if pause:
                cpu, start = g.cpu_seconds(), time.monotonic()
                g.read_until(b"\0", pause)
                cpu, wall = g.cpu_seconds() - cpu, time.monotonic() - start
                print(f"idle for {wall:.1f} s: jitpc used {cpu:.2f} s of CPU")
                if cpu > IDLE_CPU_SHARE * wall:
                    problems.append(f"the idle guest cost {cpu:.2f} s of host CPU in {wall:.1f} s "
                                    f"(over {IDLE_CPU_SHARE:.0%})")
            want = f"OUT-{n}-{n * 7}".encode()
            mark = len(g.out)
            g.type(f"echo OUT-{n}-$(({n}*7))\r".encode())
            start = time.monotonic()
            if not g.read_until(want, OUTPUT_WAIT):
                problems.append(f"command {n} (after {pause} s idle): no '{want.decode()}' within "
                                f"{OUTPUT_WAIT} s; got {g.out[mark:]!r}")
                break
            print(f"command {n} after {pause} s idle: output in {time.monotonic() - start:.2f} s")
    status = g.finish()
    if status != 0:
        problems.append(f"Ctrl-A x: exit status {status}, want 0")
    elif not problems:
        other = "interp" if engine == "jit" else "jit"
        out, failed = replayed(jitpc, args, other, log)
        problems += failed
        # The terminal turned each newline into CR LF.
        if not failed and out.replace(b"\r", b"") != g.out.replace(b"\r", b""):
            problems.append(f"the replay under {other} printed other output than the session")
    shutil.rmtree(work)
    if not problems:
        print("interactive_test: PASS")
        return 0
    print("interactive_test: FAIL")
    for p in problems:
        print(f"  - {p}")
    print("---- last 2000 bytes of the terminal ----")
    print(g.out[-2000:].decode("latin-1"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
