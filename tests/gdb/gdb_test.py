#!/usr/bin/env python3
"""gdb_test.py JITPC IMAGE MAP: the gdbstub (-gdb) driven by Debian's gdb (`gdb -batch`) on
tests/gdb/gdb_guest.asm, whose addresses come from nasm's symbol map MAP.

Under the interpreter, the tiered JIT and the eager JIT (-jit-threshold 0), with -S: the guest
waits at its entry; gdb reads EIP, CR0, CR3 and GDTR there and again at a breakpoint on a
function (CR3 and GDTR then the page directory and GDT the guest loaded, FS's hidden base the
one its descriptor holds, CS's hidden limit 4 GiB); a write watchpoint stops right after each
of the two instructions that change the variable, with gdb's old and new values (a read watchpoint after
each instruction that reads it, read-modify-writes included, and an access watchpoint after the
CMP that reads it last, at the same counts under each engine), and after a
REP STOSD iteration and a PUSH that write the watched word, but never for the IDT read of an
INT (an access watchpoint on its gate, as DR0-DR3 ignore it); stepi over
INT 0x40 lands on the handler's first instruction and over a faulting load on the #PF handler's
second (its first retired with the fault's delivery), CR2 the faulting address; gdb's memory
write reaches the guest (which checks it), `monitor xp` reads it at its physical address, and
the guest then ends with its own status, which gdb reports. On the 64-bit model gdb takes the
amd64 description (RIP, EFER, CR0), whose fs_base gdb writes and the guest's next FS read uses. A client sending garbage, bad checksums, over-long packets
and nonsense commands gets '-' or error replies and the stub still answers '?'. -gdb is a host
option: a recording made without it replays with it (nobody connecting: the run goes on).
-gdb tcp::PORT takes gdb's `target remote :PORT`.

In a replay of the guest's recording (-record, its own status 9 without gdb's write), under both
engines: reverse-stepi 3 and stepi 3 come back to the same count, EIP and EAX; reverse-continue
with a write watchpoint lands on the instruction that wrote (the count before it, the old value
in memory, and one stepi makes the write), and again on the write before; `monitor seek` and
`monitor when`; reverse-continue with nothing set stops at the log's beginning ("No more
reverse-execution history"); continuing forward ends the replay as recorded. Over the bare
protocol: qSupported offers ReverseStep+/ReverseContinue+ in a replay only, qAttached is 1, and
a replay of a recording cut by -max-insns stops at its end with replaylog:end and back at its
beginning with replaylog:begin."""
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "replay"))
from harness import check, verdict  # noqa: E402


def symbols(map_path):
    syms = {}
    for line in Path(map_path).read_text().splitlines():
        f = line.split()
        if len(f) == 3 and re.fullmatch(r"[0-9A-Fa-f]+", f[0]):
            syms[f[2]] = int(f[0], 16)
    return syms


# The guest is 32-bit and the scripts read the i386 description's registers ($eip, $eflags...),
# which gdb is given on the pentium2 model; the max model's amd64 description has its own test.
P6 = ["-cpu", "pentium2"]


def start(jitpc, args, sock):
    if os.path.exists(sock):
        os.unlink(sock)
    p = subprocess.Popen([jitpc, *args, "-gdb", f"unix:{sock}", "-S", "-debugcon", "none", "-max-insns", "200000000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 20
    while not os.path.exists(sock) and time.monotonic() < end:
        time.sleep(0.02)
    return p


def gdb(script, sock, workdir):
    path = Path(workdir) / "script.gdb"
    path.write_text(f"set pagination off\nset confirm off\ntarget remote {sock}\n" + script)
    p = subprocess.run(["gdb", "-batch", "-nx", "-x", str(path)], capture_output=True, timeout=120)
    return p.stdout.decode("latin-1") + p.stderr.decode("latin-1")


def gdb_then_wait(p, script, sock, workdir):
    """gdb's output for `script`, and the exit status of the jitpc `p` it drove (None: it did not end)."""
    out = gdb(script, sock, workdir)
    try:
        return out, p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        return out, None

def values(out):
    """The KEY=hex pairs the script printed, in order (a key printed twice keeps a list)."""
    got = {}
    for k, v in re.findall(r"(\w+)=([0-9a-f]+)\b", out):
        got.setdefault(k, []).append(int(v, 16))
    return got


def session(jitpc, img, s, engine, workdir):
    sock = str(Path(workdir) / "gdb.sock")
    p = start(jitpc, ["-kernel", img, *P6, *engine], sock)
    script = f"""
printf "ENTRY=%x CR0A=%x\\n", $eip, $cr0
break *{s['victim']:#x}
continue
printf "AT=%x CR3=%x GDTR=%x FSBASE=%x CSLIMIT=%x CR0=%x\\n", $eip, $cr3, $gdtr_base, $fs_base, $cs_limit, $cr0
delete
watch *(int*){s['counter']:#x}
continue
printf "W1=%x C1=%x\\n", $eip, *(int*){s['counter']:#x}
continue
printf "W2=%x C2=%x\\n", $eip, *(int*){s['counter']:#x}
delete
break *{s['int_insn']:#x}
continue
stepi
printf "INT=%x\\n", $eip
delete
break *{s['pf_insn']:#x}
continue
stepi
printf "PF=%x CR2=%x\\n", $eip, $cr2
set {{int}}{s['poked']:#x} = 0x1234
printf "POKED=%x\\n", *(int*){s['poked']:#x}
monitor xp /1xw {s['poked']:#x}
delete
break *{s['implicit']:#x}
continue
delete
set $slot = $esp - 4
watch *(int*){s['strdst'] + 8:#x}
continue
printf "S=%x SECX=%x\\n", $eip, $ecx
delete
watch *(int*)$slot
continue
printf "P=%x\\n", $eip
delete
awatch *(int*){s['idt'] + 0x40 * 8:#x}
continue
"""
    out, status = gdb_then_wait(p, script, sock, workdir)
    v = values(out)
    name = " ".join(engine) or "default engine"

    def want(key, value):
        check(v.get(key) == [value], f"{name}: {key} = {[hex(x) for x in v.get(key, [])]}, want {value:#x}\n{out}")

    want("ENTRY", s["start"])
    want("AT", s["victim"])
    want("CR3", s["pd"])
    want("GDTR", s["gdt"])
    want("FSBASE", 0x123000)
    want("CSLIMIT", 0xFFFFFFFF)
    check(v.get("CR0") == [0x80050033], f"{name}: CR0 at the breakpoint {v.get('CR0')}")
    want("W1", s["victim_write"])
    want("C1", 1)
    want("W2", s["victim_ret"])
    want("C2", 3)
    want("INT", s["soft_handler"])
    want("PF", s["pf_handler_next"])
    want("CR2", 0x401010)
    want("POKED", 0x1234)
    want("S", s["implicit_stos"])  # the third iteration of REP STOSD wrote it: one left
    want("SECX", 1)
    want("P", s["implicit_after_push"])
    check("Old value = 1" in out and "New value = 3" in out, f"{name}: gdb's watchpoint report\n{out}")
    check(re.search(r"%016x: 0x00001234" % s["poked"], out) is not None, f"{name}: monitor xp\n{out}")
    check("exited with code 041" in out, f"{name}: gdb did not see the guest exit with 33\n{out}")
    check(status == 33, f"{name}: jitpc ended with {status}, want 33 (the guest checks gdb's write)")


def conditions(jitpc, img, s, engine, workdir):
    """A breakpoint whose condition gdb hands to the stub (ConditionalBreakpoints+) stops only
    where it holds: in the 4th of the 5 rounds, with 3 rounds' worth in `counter`."""
    sock = str(Path(workdir) / "cond.sock")
    p = start(jitpc, ["-kernel", img, *P6, *engine], sock)
    out, _ = gdb_then_wait(p, f"""
set breakpoint condition-evaluation target
set debug remote 1
break *{s['victim']:#x} if $esi == 2
continue
printf "CESI=%x CCOUNT=%x\\n", $esi, *(int*){s['counter']:#x}
kill
""", sock, workdir)
    v = values(out)
    name = "conditions " + " ".join(engine)
    check(v.get("CESI") == [2] and v.get("CCOUNT") == [9], f"{name}: stopped at {v}\n{out[-3000:]}")
    check(re.search(r"Z0,%x,1;X[0-9a-f]+," % s["victim"], out) is not None,
          f"{name}: gdb did not hand the condition to the stub\n{out[-3000:]}")
    check(len(re.findall(r"Packet received: T05", out)) == 1,
          f"{name}: the stub stopped where the condition did not hold\n{out[-3000:]}")


def read_watches(jitpc, img, s, engine, workdir):
    """A read watchpoint stops after each instruction that reads the variable (INC's and ADD's
    read-modify-writes), an access watchpoint after the CMP that reads it at the end, each at
    the same instruction count under every engine: [(stop EIP, count)]."""
    sock = str(Path(workdir) / "rwatch.sock")
    p = start(jitpc, ["-kernel", img, *engine], sock)
    out, _ = gdb_then_wait(p, f"""
rwatch *(int*){s['counter']:#x}
continue
printf "R=%x\\n", $pc
monitor info registers
continue
printf "R=%x\\n", $pc
monitor info registers
delete
awatch *(int*){s['counter']:#x}
ignore 2 8
continue
printf "R=%x\\n", $pc
monitor info registers
kill
""", sock, workdir)
    stops = list(zip(values(out).get("R", []), map(int, re.findall(r"icount=(\d+)", out))))
    name = "read watchpoints " + " ".join(engine)
    check([e for e, _ in stops] == [s["victim_write"], s["victim_ret"], s["after_cmp"]],
          f"{name}: stopped at {[(hex(e), c) for e, c in stops]}\n{out}")
    check("Hardware read watchpoint 1" in out and "Value = 1" in out and "Hardware access (read/write) watchpoint 2" in out
          and "Value = 15" in out, f"{name}: gdb's reports\n{out}")
    return stops


def amd64(jitpc, img, s, engine, workdir):
    """The max model's amd64 description: RIP, EFER, CR0 at the entry; a hardware breakpoint
    (Z1) where the guest reads through FS; fs_base written through gdb reads back and is the
    base the guest's next FS read uses (a watchpoint on where it stores what it read: the code
    runs translated under the JIT); orig_rax is not there (as in QEMU's system emulation); a
    non-canonical gs_base is refused, as WRMSR refuses it."""
    sock = str(Path(workdir) / "gdb64.sock")
    p = start(jitpc, ["-kernel", img, "-cpu", "max", *engine], sock)
    out = gdb(f"""
printf "RIP=%x EFER=%x CR0=%x\\n", $rip, $efer, $cr0
show architecture
set {{int}}{s['poked']:#x} = 0x1234
hbreak *{s['fs_probe']:#x}
continue
printf "AT64=%x OLDFS=%lx\\n", $rip, $fs_base
set $fs_base = {s['victim']:#x}
printf "NEWFS=%lx\\n", $fs_base
delete
watch *(int*){s['fs_seen']:#x}
continue
printf "SEEN=%x WANT=%x AFTER=%lx\\n", *(int*){s['fs_seen']:#x}, *(int*){s['victim']:#x}, $fs_base
p $orig_rax
set $gs_base = 0x8000000000000000
""", sock, workdir)
    v = values(out)
    name = "-cpu max " + " ".join(engine)
    check(v.get("RIP") == [s["start"]] and v.get("EFER") == [0] and v.get("CR0", [0])[0] & 1,
          f"{name}: RIP/EFER/CR0 {v}\n{out}")
    check("i386:x86-64" in out, f"{name}: gdb did not take the amd64 description\n{out}")
    check("Hardware assisted breakpoint 1" in out and v.get("AT64") == [s["fs_probe"]],
          f"{name}: hbreak (Z1) at fs_probe: {v}\n{out}")
    check(v.get("OLDFS") == [0x123000] and v.get("NEWFS") == [s["victim"]] and v.get("AFTER") == [s["victim"]],
          f"{name}: fs_base {v}\n{out}")
    check(v.get("SEEN") == v.get("WANT") and v.get("SEEN") not in (None, [0]),
          f"{name}: the guest's FS read did not use gdb's fs_base: {v}\n{out}")
    check("Could not write register \"gs_base\"; remote failure reply 'E01'" in out,
          f"{name}: a non-canonical gs_base was not refused\n{out}")
    check("$1 = void" in out, f"{name}: orig_rax is a register (not gdb's empty convenience variable)\n{out}")
    # gdb's error ends the script: gdb leaves, and the guest (poked written) passes.
    check(p.wait(timeout=30) == 33, f"{name}: the guest did not end with status 33 after gdb left")


def frame(payload):
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xFF)


class Raw:
    """A bare RSP client on the stub's socket: bytes out, the reply's bytes back."""

    def __init__(self, sock):
        self.c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.c.connect(sock)
        self.c.settimeout(20)

    # Sends `raw` and reads until the reply ends with a whole packet (or, with `until`, holds a
    # packet matching it: junk draws replies of its own that may arrive first).
    def ask(self, raw, until=rb"\$[^#]*#[0-9a-f]{2}$"):
        self.c.sendall(raw)
        data = b""
        while not re.search(until, data):
            chunk = self.c.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def hostile(jitpc, img, workdir):
    sock = str(Path(workdir) / "hostile.sock")
    p = start(jitpc, ["-kernel", img], sock)
    raw = Raw(sock)
    ask = raw.ask
    rng = random.Random(14)

    check(ask(frame(b"qSupported")).find(b"ReverseStep+") < 0, "reverse execution offered outside a replay")
    check(ask(frame(b"qAttached")) == b"+" + frame(b"1"), "qAttached is not answered 1 (attached to a running machine)")
    check(ask(b"$g#00" + frame(b"?")).startswith(b"-+$T05"), "a bad checksum is not answered with '-'")
    check(ask(frame(b"A" * 5000) + frame(b"?")).startswith(b"-+$T05"), "an over-long packet is not refused")
    for bad in [b"m0,ffffffff", b"Mzz", b"Z9,0,0", b"P9999=00", b"p", b"qXfer:features:read:target.xml:zz",
                b"qRcmd,zz", b"G1", b"vCont;x", b"Z2,ffffffffffffffff,10",
                # Z0 conditions: a float, printf, a cut const32, a jump into an operand, a cut list
                b"Z0,100000,1;X2,0127", b"Z0,100000,1;X2,3427", b"Z0,100000,1;X2,2401", b"Z0,100000,1;X4,21000127",
                b"Z0,100000,1;X5,22"]:
        r = ask(frame(bad))
        check(re.match(rb"\+\$(E[0-9a-f]{2})?#", r) is not None, f"{bad!r}: answered {r[:60]!r}")
    for _ in range(200):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))).replace(b"\x03", b"")
        raw.c.sendall(junk + b"#00")
    r = ask(frame(b"?"), until=rb"\$T05[^#]*#[0-9a-f]{2}")
    check(b"$T05" in r, f"after random bytes '?' is answered {r[-60:]!r}")
    raw.c.sendall(frame(b"k"))
    raw.c.close()
    check(p.wait(timeout=30) == 0, "k did not end the run with status 0")


def replay_protocol(jitpc, img, workdir):
    """The stub's replies in a replay of a recording cut at 5000 instructions: qSupported offers
    reverse execution, a forward continue stops at the log's end with replaylog:end, a
    reverse-continue with nothing set at its beginning with replaylog:begin, at count 0."""
    log = str(Path(workdir) / "cut.log")
    r = subprocess.run([jitpc, "-kernel", img, "-debugcon", "none", "-max-insns", "5000", "-record", log],
                       capture_output=True, timeout=60)
    check(r.returncode == 3, f"cut recording: status {r.returncode}, want 3")
    sock = str(Path(workdir) / "cut.sock")
    p = start(jitpc, ["-kernel", img, "-replay", log], sock)
    raw = Raw(sock)
    supported = raw.ask(frame(b"qSupported"))
    check(b"ReverseStep+" in supported and b"ReverseContinue+" in supported, f"qSupported in a replay: {supported!r}")
    stop = raw.ask(frame(b"vCont;c"))
    when = raw.ask(frame(b"qRcmd," + b"when".hex().encode()))
    check(b"replaylog:end;" in stop and b"instruction count 5000\n".hex().encode() in when,
          f"forward to the end: {stop!r}, {when!r}")
    stop = raw.ask(frame(b"bc"))
    when = raw.ask(frame(b"qRcmd," + b"when".hex().encode()))
    check(b"replaylog:begin;" in stop and b"instruction count 0\n".hex().encode() in when,
          f"back to the beginning: {stop!r}, {when!r}")
    raw.c.sendall(frame(b"k"))
    raw.c.close()
    status = p.wait(timeout=30)
    check(status == 0, f"k did not end the replay with status 0 but {status}: {p.stderr.read()!r}")


def reverse(jitpc, img, s, workdir):
    log = str(Path(workdir) / "run.log")
    r = subprocess.run([jitpc, "-kernel", img, *P6, "-debugcon", "none", "-record", log], capture_output=True, timeout=60)
    check(r.returncode == 9, f"recording: status {r.returncode}, want 9")
    c = f"*(int*){s['counter']:#x}"
    script = f"""
break *{s['after_pf']:#x}
continue
monitor when
printf "A_EIP=%x A_EAX=%x\\n", $eip, $eax
reverse-stepi
reverse-stepi
reverse-stepi
monitor when
printf "B_EIP=%x\\n", $eip
stepi
stepi
stepi
monitor when
printf "C_EIP=%x C_EAX=%x\\n", $eip, $eax
delete
watch {c}
reverse-continue
monitor when
printf "W1=%x V1=%x\\n", $eip, {c}
stepi
printf "V1NEXT=%x\\n", {c}
reverse-stepi
reverse-continue
monitor when
printf "W2=%x V2=%x\\n", $eip, {c}
delete
monitor seek 100
maintenance flush register-cache
monitor when
reverse-continue
monitor when
continue
"""
    for engine in ("interp", "jit"):
        sock = str(Path(workdir) / "replay.sock")
        if os.path.exists(sock):
            os.unlink(sock)
        p = subprocess.Popen([jitpc, "-kernel", img, *P6, "-debugcon", "none", "-replay", log, "-engine", engine,
                              "-gdb", f"unix:{sock}", "-S"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        end = time.monotonic() + 20
        while not os.path.exists(sock) and time.monotonic() < end:
            time.sleep(0.02)
        out, status = gdb_then_wait(p, script, sock, workdir)
        v = values(out)
        when = [int(n) for n in re.findall(r"instruction count (\d+)", out)]
        name = f"replay -engine {engine}"
        check(len(when) == 7, f"{name}: monitor when answered {when}\n{out}")
        if len(when) != 7:
            continue
        a, b, cc, w1, w2, seek, begin = when
        check(b == a - 3 and cc == a, f"{name}: reverse-stepi 3 and stepi 3: counts {a} {b} {cc}")
        check(v.get("C_EIP") == v.get("A_EIP") == [s["after_pf"]] and v.get("C_EAX") == v.get("A_EAX") == [0x600DF00D],
              f"{name}: back and forth again: {v}")
        check(v.get("B_EIP") != v.get("A_EIP"), f"{name}: reverse-stepi did not move EIP")
        check(v.get("W1") == [s["victim_write"]] and v.get("V1") == [13] and v.get("V1NEXT") == [15],
              f"{name}: reverse-continue to the last write: {v}\n{out}")
        check(v.get("W2") == [s["victim"]] and v.get("V2") == [12] and w2 == w1 - 1,
              f"{name}: reverse-continue to the write before: {v} at {w1} {w2}")
        check(seek == 100 and begin == 0 and "No more reverse-execution history." in out,
              f"{name}: seek {seek}, begin {begin}\n{out}")
        check("exited with code 011" in out and status == 9, f"{name}: the replay's end: status {status}\n{out}")


def tcp(jitpc, img, s, workdir):
    """-gdb tcp::PORT: gdb's `target remote :PORT` reaches the stub, stopped at the entry (-S)."""
    with socket.socket() as probe:  # a port nobody holds now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    p = subprocess.Popen([jitpc, "-kernel", img, *P6, "-debugcon", "none", "-gdb", f"tcp::{port}", "-S"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Waits for the listening socket without connecting (a client that leaves lets the guest run).
    end = time.monotonic() + 20
    while time.monotonic() < end and not any(
            f[1].endswith(f":{port:04X}") and f[3] == "0A" for f in map(str.split, open("/proc/net/tcp").readlines()[1:])):
        time.sleep(0.02)
    out, status = gdb_then_wait(p, 'printf "TCPEIP=%x\\n", $eip\nkill\n', f":{port}", workdir)
    check(values(out).get("TCPEIP") == [s["start"]] and status == 0, f"-gdb tcp::{port}: status {status}\n{out}")


def host_option(jitpc, img, workdir):
    log = str(Path(workdir) / "plain.log")
    r = subprocess.run([jitpc, "-kernel", img, "-debugcon", "none", "-record", log], capture_output=True, timeout=60)
    sock = str(Path(workdir) / "unused.sock")
    p = subprocess.run([jitpc, "-kernel", img, "-debugcon", "none", "-replay", log, "-gdb", f"unix:{sock}"],
                       capture_output=True, timeout=60)
    check(r.returncode == 9 and p.returncode == 9 and not p.stderr,
          f"a replay with -gdb: status {p.returncode} (recorded {r.returncode}): {p.stderr!r}")


def main():
    jitpc, img, map_path = sys.argv[1:4]
    s = symbols(map_path)
    with tempfile.TemporaryDirectory() as d:
        read_stops = []
        for engine in (["-engine", "interp"], ["-engine", "jit"], ["-engine", "jit", "-jit-threshold", "0"]):
            session(jitpc, img, s, engine, d)
            conditions(jitpc, img, s, engine, d)
            read_stops.append(read_watches(jitpc, img, s, engine, d))
            amd64(jitpc, img, s, engine, d)
        check(read_stops[1:] == read_stops[:1] * 2, f"read watchpoints: the engines' stops differ: {read_stops}")
        reverse(jitpc, img, s, d)
        hostile(jitpc, img, d)
        replay_protocol(jitpc, img, d)
        host_option(jitpc, img, d)
        tcp(jitpc, img, s, d)
    return verdict("gdb")


if __name__ == "__main__":
    sys.exit(main())
