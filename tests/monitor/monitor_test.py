#!/usr/bin/env python3
"""monitor_test.py JITPC TIMER_IMAGE SERIAL_IMAGE: the monitor (-monitor) driven through a pipe
and a Unix socket.

stdio with -S: the guest waits at count 0 for the commands (info status, info registers, x and
xp of the Multiboot header, x/i at $pc and an address with a register, bad input: an unknown command with an escape sequence, an over-long
line, bad x formats) and then runs as a plain run does (same output, status and -stats counts).
A Unix socket: one client at a time, stop and cont, random bytes and a dropped client survived, quit
ends the run with status 0. A TCP socket (tcp:127.0.0.1:PORT,server): greeting, info status,
quit; a bad port is one error line. -serial mon:stdio on a pseudo-terminal: Ctrl-A c reaches the monitor
(typed text echoed, DEL erasing), cont, and Ctrl-A x from the monitor's side quits; on a pipe too,
with the same output and counts however the pipe's bytes are split into reads. replay_break stops a replay at its count, and the replay still ends as
recorded; a recorded run the user quit from the monitor replays to the same end."""
import os
import pty
import random
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "replay"))
from harness import check, counts, verdict  # noqa: E402






def connect(path, deadline=20):
    end = time.monotonic() + deadline
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(path))
            s.settimeout(20)
            return s
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def until_prompt(s, prompts=1):
    data = b""
    while data.count(b"(jitpc) ") < prompts:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def ask(s, line):
    s.sendall(line.encode() + b"\n")
    return until_prompt(s)


def main():
    jitpc, timer, serial = sys.argv[1:4]
    work = Path(tempfile.mkdtemp(prefix="jitpc-monitor-"))
    plain = subprocess.run([jitpc, "-kernel", timer, "-serial", "none", "-stats"], capture_output=True, text=True)

    # ---- stdio, started stopped ----
    long_line = "x" * 5000
    script = ("info status\ninfo registers\nx /4xw 0x100000\nxp/8xb 0x100000\nx/2dh 0x100000\n"
              "x/2i $pc\nxp /2xw $eip - 0x20\nx/1i $nosuch\n"
              f"foo\x1b[31m\n{long_line}\nx /5000xb 0\nx /4q 0\nx\ninfo bogus\nhelp\ninfo replay\ncont\ninfo status\n")
    p = subprocess.run([jitpc, "-kernel", timer, "-serial", "none", "-stats", "-monitor", "stdio", "-S"],
                       input=script, capture_output=True, text=True, timeout=60)
    out = p.stdout
    check(p.returncode == 33, f"stdio: status {p.returncode}")
    check("VM status: paused" in out and "VM status: running" in out, "stdio: info status")
    check("EIP=00100020" in out and "icount=0" in out, "stdio: info registers at count 0")
    check("0000000000100000: 0x1badb002 0x00010000" in out, "stdio: x /4xw of the Multiboot header")
    check("0x02 0xb0 0xad 0x1b" in out and "-20478" in out, "stdio: xp/8xb and x/2dh")
    check("0000000000100020:  mov esp, 0x" in out and "lgdt [" in out, "stdio: x/2i $pc disassembles the entry")
    check(out.count("0000000000100000: 0x1badb002 0x00010000") == 2, "stdio: xp with $eip - 0x20")
    check("unknown command: 'foo?[31m'" in out and "\x1b" not in out, "stdio: unknown command, escapes not echoed")
    check("longer than 1024 bytes" in out, "stdio: over-long line")
    check("at most 4096 bytes" in out and "unknown format letter 'q'" in out and "needs an address" in out,
          "stdio: bad x arguments")
    check("info: 'registers'" in out and "replay_break COUNT" in out and "Record/replay is not active" in out,
          "stdio: info bogus, help, info replay")
    check(p.stdout.count("100 timer ticks") == plain.stdout.count("100 timer ticks") and
          counts(p.stderr) == counts(plain.stderr), f"stdio: the run differs from a plain one: {p.stderr!r}")

    # ---- a Unix socket, one client at a time ----
    sock = work / "mon.sock"
    proc = subprocess.Popen([jitpc, "-kernel", timer, "-serial", "none", "-monitor", f"unix:{sock},server", "-S"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    s = connect(sock)
    check("jitpc monitor" in until_prompt(s), "socket: greeting")
    ask(s, "stop")
    first, second = ask(s, "info registers"), ask(s, "info registers")
    check("icount=" in first and first == second, "socket: stopped registers do not move")
    check("paused" in ask(s, "info status"), "socket: paused")
    rng = random.Random(13)
    junk = bytes(rng.randrange(256) for _ in range(65536))
    s.sendall(junk + b"\n")
    time.sleep(0.2)
    s.sendall(b"\ninfo status\n")
    data = ""
    while "VM status" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk.decode("latin-1")
    check("VM status: paused" in data, "socket: answers after random bytes")
    s.close()  # dropped: the next client is served
    s = connect(sock)
    check("jitpc monitor" in until_prompt(s), "socket: second client greeted")
    ask(s, "quit")
    s.close()
    status = proc.wait(timeout=60)
    check(status == 0, f"socket: quit gives status {status}")
    check(not sock.exists(), "socket: removed at exit")

    # ---- TCP, as QEMU spells it ----
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen([jitpc, "-kernel", timer, "-serial", "none", "-monitor", f"tcp:127.0.0.1:{port},server",
                             "-S"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 20
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            break
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)
    check("jitpc monitor" in until_prompt(s), "tcp: greeting")
    check("VM status: paused" in ask(s, "info status"), "tcp: info status")
    ask(s, "quit")
    s.close()
    check(proc.wait(timeout=60) == 0, "tcp: quit gives status 0")
    bad = subprocess.run([jitpc, "-kernel", timer, "-monitor", "tcp:127.0.0.1:99999,server"], capture_output=True,
                         text=True, timeout=60)
    check(bad.returncode == 1 and bad.stderr.count("\n") == 1 and "port number" in bad.stderr,
          f"tcp: a bad port: {bad.stderr!r}")

    # ---- -serial mon:stdio on a terminal ----
    for keys, want_status in ((b"\x01cinfo statuz\x7fs\rcont\r", 33), (b"\x01cinfo status\r\x01x", 0)):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(jitpc, [jitpc, "-nographic", "-kernel", timer, "-serial", "mon:stdio", "-debugcon", "none", "-S"])
        seen = b""
        for chunk in (keys[:2], keys[2:]):
            time.sleep(0.3)
            os.write(fd, chunk)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                seen += data
        _, st = os.waitpid(pid, 0)
        text = seen.decode("latin-1")
        check(os.waitstatus_to_exitcode(st) == want_status and "jitpc monitor" in text and
              "VM status: paused" in text, f"mon:stdio ({keys!r}): status {st}, {text!r}")
        if want_status == 33:
            check("info statuz\b \bs" in text, f"mon:stdio: the typed line is echoed with its erase: {text!r}")

    # ---- -serial mon:stdio on a pipe: the same Ctrl-A commands, split deterministically ----
    def piped(args, chunks):
        proc = subprocess.Popen([jitpc, *args, "-serial", "mon:stdio", "-debugcon", "none", "-stats"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
                proc.stdin.flush()
                time.sleep(0.2 if len(chunks) > 1 else 0)
            proc.stdin.close()
        except BrokenPipeError:  # it ended first
            pass
        out, err = proc.stdout.read().decode("latin-1"), proc.stderr.read().decode("latin-1")
        return proc.wait(timeout=60), out, err

    keys = b"\x01cinfo status\ninfo registers\n\x01c\x01x"
    whole = piped(["-kernel", timer], [keys])
    split = piped(["-kernel", timer], [keys[:1], keys[1:9], keys[9:22], keys[22:-1], keys[-1:]])
    check(whole[0] == 0 and "jitpc monitor" in whole[1] and "VM status: running" in whole[1] and
          "icount=" in whole[1], f"mon:stdio on a pipe: greeting, echo, answers, Ctrl-A x: {whole[:2]!r}")
    check(split[:2] == whole[:2] and counts(split[2]) == counts(whole[2]),
          f"mon:stdio on a pipe: the pipe's reads change what the run sees: {split[:2]!r}")
    for chunks in ([b"\x01cinfo status\ncont\n\x01chello\n"], [b"\x01cinfo st", b"atus\ncont\n\x01", b"chel", b"lo\n"]):
        st, out, err = piped(["-kernel", serial, "-S"], chunks)
        plain_serial = subprocess.run([jitpc, "-kernel", serial, "-serial", "stdio", "-stats"], input=b"hello\n",
                                      capture_output=True, timeout=60)
        check(st == 33 and "VM status: paused" in out and "HELLO" in out and
              counts(err) == counts(plain_serial.stderr.decode()),
              f"mon:stdio on a pipe with -S ({chunks!r}): status {st}, {out!r}, {err!r}")

    # ---- replay_break, and a recording ended from the monitor ----
    log = work / "serial.log"
    rec = subprocess.run([jitpc, "-kernel", serial, "-serial", "stdio", "-stats", "-record", str(log)],
                         input=b"hello\n", capture_output=True, timeout=60)
    proc = subprocess.Popen([jitpc, "-kernel", serial, "-serial", "stdio", "-stats", "-replay", str(log), "-monitor",
                             "stdio", "-S"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"replay_break 500\ncont\n")
    proc.stdin.flush()
    out = ""
    while "stopped at instruction count" not in out:
        chunk = proc.stdout.read1(4096).decode("latin-1")
        if not chunk:
            break
        out += chunk
    proc.stdin.write(b"info replay\ninfo registers\ncont\n")
    proc.stdin.flush()
    rest, err = proc.communicate(timeout=60)
    out += rest.decode("latin-1")
    p = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    check("replay_break: stopped at instruction count 500" in out and
          f"Replaying execution '{log}': instruction count = 500" in out and "icount=500" in out,
          f"replay_break: {out!r}")
    check(p.returncode == rec.returncode == 33 and "HELLO" in out and
          counts(p.stderr.decode()) == counts(rec.stderr.decode()), f"replay_break: the replay differs: {p.stderr!r}")
    qlog = work / "quit.log"
    qsock = work / "quit.sock"
    proc = subprocess.Popen([jitpc, "-kernel", serial, "-serial", "stdio", "-record", str(qlog), "-monitor",
                             f"unix:{qsock},server", "-S"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    s = connect(qsock)
    until_prompt(s)
    ask(s, "quit")
    s.close()
    proc.stdin.close()
    check(proc.wait(timeout=60) == 0, "record ended by quit: status 0")
    q = subprocess.run([jitpc, "-kernel", serial, "-serial", "stdio", "-replay", str(qlog)], capture_output=True,
                       timeout=60)
    check(q.returncode == 0 and not q.stderr, f"replay of a run ended by quit: status {q.returncode} {q.stderr!r}")
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return verdict("monitor")


if __name__ == "__main__":
    sys.exit(main())
