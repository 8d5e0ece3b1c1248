#!/usr/bin/env python3
"""Types at the Debian guest's shell through a pseudo-terminal, as a user at a terminal does.

interactive_test.py JITPC GUESTDIR

Boots the guest's interactive mode (a busybox shell on the serial console) with jitpc's stdin
and stdout on a pseudo-terminal, types one command at once and more after the guest has sat idle
(an idle Linux stops its timer tick, which is when jitpc waits for a key), and requires each
command's output to arrive within OUTPUT_WAIT seconds of host time with no further key pressed.
Ctrl-A x must then end jitpc with status 0. Exit 77 (skipped) only when no Debian mirror can be
reached to build the guest.
"""
import os
import pty
import select
import sys
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


class Guest:
    def __init__(self, jitpc, guest):
        args = [jitpc, "-nographic", "-snapshot", "-kernel", str(guest / "vmlinuz"),
                "-initrd", str(guest / "initrd.img"), "-append", "console=ttyS0"]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(jitpc, args)
        self.out = b""

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


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    jitpc, guest = sys.argv[1], Path(sys.argv[2])
    failed = build_guest("interactive_test", guest)
    if failed is not None:
        return failed
    g = Guest(jitpc, guest)
    problems = []
    if not g.read_until(b"/ # ", BOOT_WAIT):
        problems.append(f"no shell prompt within {BOOT_WAIT} s")
    else:
        for n, pause in enumerate([0] + IDLE_PAUSES):
            if pause:
                g.read_until(b"\0", pause)
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
