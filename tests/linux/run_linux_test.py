#!/usr/bin/env python3
"""Boots the Debian guest (scripts/debian-guest) in test mode and checks what it printed.

run_linux_test.py EMULATOR GUESTDIR VARIANT

VARIANT: kernel-SIZE (direct -kernel with -m SIZE: 128m, 512m, 1g, 4g),
grub-{hda,cdrom}-{linux,linux16} (the GRUB hybrid ISO as IDE disk or CD, booting its `linux` or
`linux16` entry), seabios-{hda,cdrom}-linux (the same GRUB boots with Debian's SeaBIOS as -bios
instead of the built-in BIOS), isolinux-cdrom (a CD built here with Debian's ISOLINUX, isolinux
and syslinux-common packages, booting the kernel and initrd), determinism (two runs of kernel-128m:
identical output and identical -stats counts), replay (kernel-128m recorded with -record under the
JIT, replayed with -replay under the JIT and the interpreter: identical output and -stats; the
typed line changed in the log, its checksum redone: the replay stops with a divergence at a count
between that input and the recorded end), snapshot
(kernel-128m recorded with -savevm-at at five counts from the boot to the shell; each snapshot
loaded with -loadvm, given the input the recording shows was still to come, under the JIT and the
first and last also under the interpreter: the same status and -stats counts, the output the tail
of the uninterrupted run's).
A `-interp` suffix runs jitpc's reference interpreter instead of the JIT. The i386 variants run
jitpc on `-cpu pentium2` (the P6 these checks were written for; the default model is max); a
`-max` suffix runs them on the x86-64 model (`-cpu max`) instead. A `pae-` prefix boots
Debian's 686-pae kernel instead (scripts/debian-guest --flavour 686-pae; it needs `-max`). An
`amd64-` prefix boots Debian's amd64 kernel and busybox (scripts/debian-guest --arch amd64) on
`-cpu max`; its determinism and replay variants run kernel-512m.

The run passes when every check of guests/debian/init printed PASS, the emulator exited with
status 0 (the guest's poweroff) and the kernel log has the lines BRINGUP.md asks for and none of
the bad ones. On failure the last 30 lines of guest output are shown.

JITPC_LINUX_EMULATOR=qemu-system-i386 runs the same checks on QEMU instead of EMULATOR, to show
the checks themselves are right. Exit 77 (skipped) only when no Debian mirror can be reached.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SKIP = 77
APPEND = "console=ttyS0 jitpc.test=1 panic=-1"
# The line the harness types; init runs it and expects JITPC-INPUT-42.
INPUT_LINE = b"echo JITPC-INPUT-$((6*7))\n"
LEAD_BLANK_LINES = 64
READY = "JITPC-READY-FOR-INPUT"
CHECKS = ["pci-0000:00:00.0", "pci-0000:00:01.0", "pci-0000:00:01.1", "gzip-input",
          "gzip-output", "gunzip-round-trip", "seq-sha256", "shell-loop", "insmod-chain",
          "disk-sha256", "cd-sha256", "iso9660-file", "serial-input"]
# The 32-bit kernel's check of CR0.WP (the 64-bit one assumes it).
WP_LINE = "Checking if this processor honours the WP bit even in supervisor mode...Ok."
LOG_PRESENT = ["tsc: Fast TSC calibration using PIT", "clocksource: Switched to clocksource tsc",
               "ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A", WP_LINE]
# On the max model CPUID leaf 0x15 states the TSC rate, so Linux takes it instead of calibrating
# against the PIT, and the platform has the HPET (legacy replacement), the ACPI PM timer and the
# TSC-deadline timer. The BIOS enabled the MTRRs, so Linux programs PAT (QEMU's layout).
LOG_PRESENT_MAX = ["tsc: Detected 1000.000 MHz processor", "TSC deadline timer available",
                   "ACPI: PM-Timer IO Port: 0x608", "hpet0: at MMIO 0xfed00000, IRQs 2, 8, 0",
                   "hpet0: 3 comparators, 64-bit 100.000000 MHz counter",
                   "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT"]
# Besides the kernel's own alarms, what it says of a platform it finds fault with: the APIC
# and timer checks, ACPI, the MTRRs and IRQ routing (BRINGUP64.md's traps).
LOG_ABSENT = ["unchecked MSR access", "WARNING:", "BUG:", "Call Trace", "LSR safety check",
              "unable to open an initial console", "MP-BIOS bug", "timer doesn't work",
              "ACPI Error", "ACPI BIOS Error", "[Firmware Bug]",
              "MTRRs don't cover", "HPET counter not counting", "PM-Timer running at invalid rate",
              "nobody cared", "Disabling IRQ"]
# The TSC and the APIC timer against the other clocks: jitpc drives them all from one virtual
# clock, QEMU's TCG from the host's (its calibrations fail or disagree on a loaded host, and its
# TSC can look unstable).
LOG_ABSENT_JITPC = ["Fast TSC calibration failed", "Unable to calibrate against PIT",
                    "as unstable", "APIC calibration not consistent"]
SEABIOS = "/usr/share/seabios/bios-256k.bin"  # Debian's seabios package, QEMU's own firmware
# 20 G ticks: about 80 s of interpretation, ten times what a boot plus the checks needs. The
# amd64 guest's run takes about 10 G (its 64-bit code is interpreted): four times that.
MAX_INSNS = "20000000000"
MAX_INSNS_AMD64 = "40000000000"
# ISOLINUX from Debian's packages: the boot image and the module it loads first.
ISOLINUX_BIN = Path("/usr/lib/ISOLINUX/isolinux.bin")
LDLINUX_C32 = Path("/usr/lib/syslinux/modules/bios/ldlinux.c32")


class Emulator:
    """How one emulator is driven. jitpc delivers piped stdin only once the guest opened the
    UART and blocks for it, so the input goes in up front; QEMU reads stdin whenever the UART
    has room and drops what arrives before Linux owns the port, so the line goes in when the
    guest asks for it."""

    def __init__(self, jitpc):
        override = os.environ.get("JITPC_LINUX_EMULATOR")
        self.cmd = override.split() if override else [jitpc]
        self.qemu = "qemu" in Path(self.cmd[0]).name
        self.timeout = 600 if self.qemu else 1800
        # QEMU's PIT and TSC follow the host clock under TCG, so its fast TSC calibration fails;
        # jitpc's virtual clock makes it exact.
        self.present = [l for l in LOG_PRESENT if not (self.qemu and "Fast TSC" in l)]
        self.max_insns = MAX_INSNS

    def args(self, stats=False, engine=None, cpu=None):
        extra = [] if self.qemu else ["-max-insns", self.max_insns] + (["-stats"] if stats else [])
        if engine and not self.qemu:
            extra += ["-engine", engine]
        if cpu:
            extra += ["-cpu", cpu]
        # -snapshot: parallel variants share the test disks, and nothing may change them.
        return self.cmd + ["-nographic", "-no-reboot", "-snapshot"] + extra


def isolinux_cd(g, work):
    """An ISOLINUX CD (no-emulation boot, boot info table) whose isolinux.cfg boots the kernel
    and initrd in test mode at once, ISOLINUX itself on the serial console."""
    missing = [str(p) for p in (ISOLINUX_BIN, LDLINUX_C32) if not p.is_file()]
    if missing:
        raise SystemExit(f"run_linux_test: FAIL: {', '.join(missing)} missing (scripts/install-deps)")
    root = work / "root"
    (root / "isolinux").mkdir(parents=True)
    shutil.copy(ISOLINUX_BIN, root / "isolinux")
    shutil.copy(LDLINUX_C32, root / "isolinux")
    shutil.copy(g / "vmlinuz", root)
    shutil.copy(g / "initrd.img", root)
    (root / "isolinux" / "isolinux.cfg").write_text(
        f"SERIAL 0 115200\nPROMPT 0\nDEFAULT linux\nLABEL linux\n"
        f"  KERNEL /vmlinuz\n  APPEND initrd=/initrd.img {APPEND}\n")
    iso = work / "isolinux.iso"
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", str(iso), "-b",
                    "isolinux/isolinux.bin", "-c", "isolinux/boot.cat", "-no-emul-boot",
                    "-boot-load-size", "4", "-boot-info-table", str(root)],
                   check=True, stderr=subprocess.DEVNULL)
    return iso


def machine_args(variant, g, work):
    if variant.startswith("pae-"):
        return machine_args(variant.removeprefix("pae-"), g, work)
    if variant.startswith("amd64-"):
        variant = variant.removeprefix("amd64-")
        return machine_args("kernel-512m" if variant in ("determinism", "replay") else variant, g, work)
    if variant in ("determinism", "replay", "snapshot"):
        variant = "kernel-128m"
    kernel = ["-kernel", g / "vmlinuz", "-initrd", g / "initrd.img", "-append", APPEND]
    if variant.startswith("kernel-"):
        size = variant.removeprefix("kernel-").upper()
        return ["-m", size] + kernel + ["-hda", g / "disk.img", "-cdrom", g / "cd.iso"]
    if variant == "isolinux-cdrom":
        return ["-m", "128M", "-hda", g / "disk.img", "-cdrom", isolinux_cd(g, work), "-boot", "d",
                "-drive", f"file={g / 'cd.iso'},media=cdrom,index=3"]
    firmware, where, entry = variant.split("-")
    iso = g / f"grub-{entry}.iso"
    bios = ["-bios", SEABIOS] if firmware == "seabios" else []
    if where == "hda":
        return bios + ["-m", "128M", "-hda", iso, "-hdb", g / "disk.img", "-cdrom", g / "cd.iso"]
    # The test CD goes to the secondary slave, the GRUB CD is -cdrom (secondary master).
    return bios + ["-m", "128M", "-hda", g / "disk.img", "-cdrom", iso, "-boot", "d",
                   "-drive", f"file={g / 'cd.iso'},media=cdrom,index=3"]


# The kernel's real-mode setup code prints this (early serial console): it must run for -kernel
# and linux16, and must not for GRUB's `linux`, which enters the 32-bit entry point directly.
SETUP_LINE = "Probing EDD"
# The 686-pae kernel's word that it runs with PAE paging and EFER.NXE.
PAE_NX_LINE = "NX (Execute Disable) protection: active"
# ISOLINUX's banner, on the serial console once it has read its configuration.
ISOLINUX_BANNER = "ISOLINUX 6.04"
# The amd64 kernel's banner: Debian names its flavour after the version.
AMD64_LINE = "-amd64 (debian-kernel@lists.debian.org)"


def path_lines(variant, arch="i386"):
    """(present, absent) log lines that show the guest took the boot path the variant names."""
    if variant.startswith("pae-"):
        present, absent = path_lines(variant.removeprefix("pae-"))
        return present + [PAE_NX_LINE], absent
    if variant.startswith("amd64-"):
        present, absent = path_lines(variant.removeprefix("amd64-"), "amd64")
        return present + [AMD64_LINE, PAE_NX_LINE], absent
    if variant.startswith("isolinux-"):
        return [ISOLINUX_BANNER, SETUP_LINE], []
    if variant.startswith("kernel-") or variant in ("determinism", "replay", "snapshot"):
        return [SETUP_LINE], []
    firmware, _, entry = variant.split("-")
    title = {"linux": "linux: 32-bit boot protocol", "linux16": "linux16: real-mode setup code"}
    booting = [f"Booting `Debian {arch} ({title[entry]})'"]
    # SeaBIOS's banner on its serial console; the built-in BIOS has none.
    booting += ["SeaBIOS (version"] if firmware == "seabios" else []
    return (booting + [SETUP_LINE], []) if entry == "linux16" else (booting, [SETUP_LINE])


def boot(emu, args):
    """Runs the emulator; returns (status, guest output lines, emulator stderr)."""
    proc = subprocess.Popen([str(a) for a in args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(emu.timeout, proc.kill)
    timer.start()
    err = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    drain.start()
    if not emu.qemu:
        # Up front, the line goes through whatever owns the UART before Linux: GRUB leaves the
        # port open with its FIFO unread, and Linux's driver resets that FIFO. Blank lines in
        # front absorb what is lost there; init skips them.
        proc.stdin.write(b"\n" * LEAD_BLANK_LINES + INPUT_LINE)
        proc.stdin.close()
    lines = []
    for raw in proc.stdout:
        line = raw.decode("latin-1").rstrip("\r\n")
        lines.append(line)
        if emu.qemu and READY in line and not proc.stdin.closed:
            proc.stdin.write(INPUT_LINE)
            proc.stdin.close()
    status = proc.wait()
    timed_out = not timer.is_alive()
    timer.cancel()
    drain.join()
    if timed_out:
        lines.append(f"run_linux_test: killed after {emu.timeout} s of host time")
    return status, lines, err[0].decode("latin-1") if err else ""


def problems(emu, variant, status, lines):
    out = "\n".join(lines)
    present, absent = path_lines(variant)
    found = [f"output lacks '{s}' (boot path)" for s in present if s not in out]
    if variant.startswith("seabios-") and not Path(SEABIOS).exists():
        found.append(f"{SEABIOS} is missing: install Debian's seabios package")
    found += [f"output has '{s}' (wrong boot path)" for s in absent if s in out]
    if status != 0:
        found.append(f"exit status {status}, want 0 (the guest's poweroff -f)")
    if "JITPC-TEST-START" not in lines:
        found.append("the guest never reached /init (no JITPC-TEST-START)")
    missing = [c for c in CHECKS if not any(l.startswith(f"JITPC-PASS {c}") for l in lines)]
    if missing:
        found.append("no PASS line for " + ", ".join(missing))
    found += [l for l in lines if l.startswith("JITPC-FAIL")]
    if "JITPC-ALL-PASSED" not in lines:
        found.append("no JITPC-ALL-PASSED line")
    typed = "JITPC-LINE " + INPUT_LINE.decode().strip()
    if typed not in lines:
        found.append(f"the guest did not read back the typed line ('{typed}')")
    found += [f"kernel log lacks '{s}'" for s in emu.present if s not in out]
    absent = LOG_ABSENT + ([] if emu.qemu else LOG_ABSENT_JITPC)
    found += [f"kernel log has '{s}'" for s in absent if s in out]
    return found


def report(name, found, lines, err):
    if not found:
        print(f"{name}: PASS")
        return 0
    print(f"{name}: FAIL")
    for f in found:
        print(f"  - {f}")
    print("---- last 30 lines of guest output ----")
    print("\n".join(lines[-30:]))
    if err.strip():
        print("---- emulator stderr ----")
        print(err.strip())
    return 1


def stats_of(err):
    return [l for l in err.splitlines() if l.startswith("jitpc: retired") or "virtual time" in l]


def build_guest(who, guest, options=()):
    """Runs scripts/debian-guest; None when the guest is ready, else the test's exit status
    (SKIP only when no Debian mirror can be reached), after saying why."""
    built = subprocess.run([sys.executable, str(ROOT / "scripts" / "debian-guest"), *options,
                            str(guest)])
    if built.returncode == SKIP:
        print(f"{who}: SKIP: no Debian mirror reachable to fetch the guest")
        return SKIP
    if built.returncode:
        print(f"{who}: FAIL: scripts/debian-guest failed")
        return 1
    return None


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.split("\n\n")[1])
    emu, guest, variant = Emulator(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    engine = None
    cpu = None if emu.qemu else "pentium2"
    if variant.endswith("-max"):
        variant, cpu = variant.removesuffix("-max"), "max"
    if variant.endswith("-interp"):
        variant, engine = variant.removesuffix("-interp"), "interp"
    if variant.startswith("amd64-"):
        cpu = "max"
        emu.present = [l for l in emu.present if l != WP_LINE]
        emu.max_insns = MAX_INSNS_AMD64
    if cpu == "max" and not emu.qemu:
        emu.present = [l for l in emu.present if "Fast TSC" not in l] + LOG_PRESENT_MAX
    options = (["--flavour", "686-pae"] if variant.startswith("pae-")
               else ["--arch", "amd64", "--grub"] if variant.startswith("amd64-") else ["--grub"])
    failed = build_guest("run_linux_test", guest, options)
    if failed is not None:
        return failed
    name = f"{sys.argv[3]} on {' '.join(emu.cmd)}"
    work = Path(tempfile.mkdtemp(prefix="jitpc-linux-"))
    try:
        return run(emu, guest, variant, dict(engine=engine, cpu=cpu), name, work)
    finally:
        shutil.rmtree(work)


def run_replay(emu, guest, variant, how, name, work):
    """Record, replay under both engines, and a changed input caught as a divergence."""
    sys.path.insert(0, str(ROOT / "tests" / "replay"))
    import logtool
    if emu.qemu:
        print("run_linux_test: SKIP: -record/-replay are jitpc's")
        return SKIP
    log = work / "linux.log"
    machine = machine_args(variant, guest, work)
    rec = boot(emu, emu.args(stats=True, **how) + ["-record", log] + machine)
    found = problems(emu, variant, rec[0], rec[1])
    for engine in ("jit", "interp"):
        rep = boot(emu, emu.args(stats=True, engine=engine, cpu=how["cpu"]) + ["-replay", log] + machine)
        if rep[:2] != rec[:2]:
            found.append(f"replay under {engine}: status {rep[0]} or output differs from the recording")
        same = rep[2] == rec[2] if engine == "jit" else stats_of(rep[2]) == stats_of(rec[2])
        if not same or not stats_of(rep[2]):
            found.append(f"replay under {engine}: -stats {stats_of(rep[2])}, recorded {stats_of(rec[2])}")
    data = bytearray(log.read_bytes())
    typed = INPUT_LINE.index(b"6")  # the 6 of $((6*7)), after the blank lines
    at = logtool.flip_input(data, LEAD_BLANK_LINES + typed, ord("5"), seal=True)
    end = logtool.frames(data)[-1][1]
    changed = work / "changed.log"
    changed.write_bytes(data)
    status, _, err = boot(emu, emu.args(stats=True, cpu=how["cpu"]) + ["-replay", changed] + machine)
    m = re.search(r"replay diverged at instruction count (\d+): state hash", err)
    if status != 1 or not m or not at < int(m.group(1)) < end or "(recorded 0x" not in err:
        found.append(f"input changed in the log (at count {at}): status {status}, {err.strip()!r}")
    return report(name, found, rec[1], rec[2])


# Counts spread over the test-mode run (11.5e9 instructions), from the kernel's boot to the shell
# after the typed line.
SNAPSHOT_COUNTS = [2_000_000_000, 5_000_000_000, 8_000_000_000, 9_500_000_000, 11_000_000_000]


def boot_with(emu, args, stdin):
    proc = subprocess.run([str(a) for a in args], input=stdin, capture_output=True, timeout=emu.timeout)
    return proc.returncode, proc.stdout.decode("latin-1"), proc.stderr.decode("latin-1")


def run_snapshot(emu, guest, how, name, work):
    """Snapshots at several counts, each loaded and run to the end as the uninterrupted run."""
    sys.path.insert(0, str(ROOT / "tests" / "replay"))
    import logtool
    if emu.qemu:
        print("run_linux_test: SKIP: -savevm-at/-loadvm are jitpc's")
        return SKIP
    machine = machine_args("snapshot", guest, work)
    log = work / "input.log"
    saves = []
    for c in SNAPSHOT_COUNTS:
        saves += ["-savevm-at", str(c), work / f"{c}.snap"]
    rec = boot(emu, emu.args(stats=True, **how) + ["-record", log] + saves + machine)
    found = problems(emu, "snapshot", rec[0], rec[1])
    data = bytearray(log.read_bytes())
    full = "\n".join(rec[1])
    for i, c in enumerate(SNAPSHOT_COUNTS):
        # The input bytes the guest had not taken at the snapshot, as the recording shows them.
        rest = bytes(data[f[2] + 15] for f in logtool.input_frames(data) if f[1] >= c)
        engines = ["jit", "interp"] if i in (0, len(SNAPSHOT_COUNTS) - 1) else ["jit"]
        for engine in engines:
            status, out, err = boot_with(emu, emu.args(stats=True, engine=engine, cpu=how["cpu"]) + ["-loadvm", work / f"{c}.snap"] + machine,
                                         rest)
            if status != rec[0] or stats_of(err) != stats_of(rec[2]) or not full.endswith(out.rstrip("\r\n").replace("\r", "")):
                found.append(f"snapshot at {c} under {engine}: status {status}, {stats_of(err)} vs {stats_of(rec[2])}, "
                             f"output tail {out[-200:]!r}; {err.strip()[:300]!r}")
    return report(name, found, rec[1], rec[2])


def run(emu, guest, variant, how, name, work):
    if variant.removeprefix("amd64-") == "replay":
        return run_replay(emu, guest, variant, how, name, work)
    if variant == "snapshot":
        return run_snapshot(emu, guest, how, name, work)
    if not variant.endswith("determinism"):
        status, lines, err = boot(emu, emu.args(**how) + machine_args(variant, guest, work))
        return report(name, problems(emu, variant, status, lines), lines, err)
    if emu.qemu:
        print("run_linux_test: SKIP: QEMU runs are not deterministic; determinism is a jitpc check")
        return SKIP
    runs = [boot(emu, emu.args(stats=True, **how) + machine_args(variant, guest, work))
            for _ in range(2)]
    (s1, l1, e1), (s2, l2, e2) = runs
    found = problems(emu, variant, s1, l1)
    if l1 != l2:
        diff = next(i for i, (a, b) in enumerate(zip(l1 + [""], l2 + [""])) if a != b)
        found.append(f"the two runs' output differs from line {diff + 1}: "
                     f"'{(l1 + [''])[diff]}' vs '{(l2 + [''])[diff]}'")
    if not stats_of(e1) or stats_of(e1) != stats_of(e2):
        found.append(f"-stats differ or are missing: {stats_of(e1)} vs {stats_of(e2)}")
    return report(name, found, l2, e2)


if __name__ == "__main__":
    sys.exit(main())
