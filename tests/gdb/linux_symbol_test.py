#!/usr/bin/env python3
"""linux_symbol_test.py JITPC GUEST_DIR: gdb stops Debian's i386 kernel at one of its own
functions, found by name. A first boot with nokaslr prints /proc/kallsyms (the package's
System.map is a placeholder); the kernel then sits at the same addresses in a second boot with
nokaslr under -gdb -S, where Debian's gdb sets a breakpoint on `start_kernel` and continues: the
stop must be there (EIP, and CS the kernel's flat ring-0 code segment), under the interpreter
and the JIT. The breakpoint's linear address is never reached before paging maps the kernel
there, so the decompressor and the early setup run past it."""
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "replay"))
from harness import check, verdict  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
SYMBOL = "start_kernel"


def main():
    jitpc, guest = sys.argv[1], Path(sys.argv[2])
    if subprocess.run([sys.executable, ROOT / "scripts" / "debian-guest", guest]).returncode == 77:
        print("linux_symbol_test: SKIP: no Debian guest (no mirror reachable, nothing cached)")
        return 77
    boot = [jitpc, "-nographic", "-no-reboot", "-snapshot", "-m", "128M", "-kernel", str(guest / "vmlinuz"),
            "-initrd", str(guest / "initrd.img"), "-append", "console=ttyS0 nokaslr quiet", "-max-insns", "20000000000"]
    first = subprocess.run(boot, input=b"cat /proc/kallsyms > /dev/ttyS0\npoweroff -f\n", capture_output=True,
                           timeout=900)
    found = re.search(rb"^([0-9a-f]{8}) [Tt] %s\r?$" % SYMBOL.encode(), first.stdout, re.M)
    check(first.returncode == 0 and found is not None, f"first boot: status {first.returncode}, no {SYMBOL} in kallsyms")
    if not found:
        return verdict("linux-gdb-symbol")
    addr = int(found.group(1), 16)
    with tempfile.TemporaryDirectory(prefix="jitpc-gdb-linux-") as work:
        for engine in ("interp", "jit"):
            sock = Path(work) / f"{engine}.sock"
            p = subprocess.Popen([*boot, "-engine", engine, "-gdb", f"unix:{sock}", "-S"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            end = time.monotonic() + 20
            while not sock.exists() and time.monotonic() < end:
                time.sleep(0.02)
            script = Path(work) / "script.gdb"
            script.write_text(f"set pagination off\nset confirm off\ntarget remote {sock}\n"
                              f"break *{addr:#x}\ncontinue\n"
                              'printf "EIP=%x CS=%x CR0=%x\\n", $pc, $cs, $cr0\nkill\n')
            g = subprocess.run(["gdb", "-batch", "-nx", "-x", str(script)], capture_output=True, timeout=900)
            out = g.stdout.decode("latin-1") + g.stderr.decode("latin-1")
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
            got = dict(re.findall(r"(\w+)=([0-9a-f]+)\b", out))
            check(got.get("EIP") == f"{addr:x}", f"{engine}: stopped at EIP {got.get('EIP')}, want {SYMBOL} at {addr:#x}\n{out}")
            check(got.get("CS") == "60", f"{engine}: CS {got.get('CS')} at {SYMBOL}, want 0x60 (__KERNEL_CS)")
            check(int(got.get("CR0", "0"), 16) & 0x80000001 == 0x80000001, f"{engine}: CR0 {got.get('CR0')}: paging off")
    return verdict("linux-gdb-symbol")


if __name__ == "__main__":
    sys.exit(main())
