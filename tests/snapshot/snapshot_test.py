#!/usr/bin/env python3
"""snapshot_test.py JITPC SERIAL_IMAGE HD_IMAGE DMA_IMAGE DMA_DISK EMUL_DISK REAL_DISK: -savevm-at and -loadvm
on small guests.

The serial guest is saved at several counts (at start, mid-banner, halted waiting for input,
after its input) in one run under each engine; each snapshot restored under both engines must
end exactly as the uninterrupted run: the same exit status and -stats counts, its output the
uninterrupted output's tail. The disk guest (hd_boot writes its disk with -snapshot) restores its
disk overlay the same way. The jit_dma guest (PIO reads of its disk) saved every 50 instructions,
most of them in the middle of a sector transfer, each loaded under both engines, ends alike. A CD
booted with El Torito hard disk emulation (an ISO made with xorriso around EMUL_DISK, REAL_DISK
as the real diskette and disk) saved every 100 instructions ends alike from each: the emulated
drive is part of the BIOS's state. Damaged snapshots (cut short, one byte changed), one for another
image or other options, and -loadvm/-savevm-at with a disk written in place: status 1 and one
line. The monitor's savevm and loadvm do the same as the options."""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "replay"))
from harness import check, counts, expect_error, run, verdict  # noqa: E402










def main():
    jitpc, serial, hd, dma, dma_disk, emul_disk, real_disk = sys.argv[1:8]
    work = Path(tempfile.mkdtemp(prefix="jitpc-snapshot-"))
    try:
        guest = ["-kernel", serial, "-serial", "stdio"]
        # Input is consumed from about count 100000 on (the first poll with the port open);
        # 947396 is the end. Snapshots before it get the whole line again, the last none of it.
        points = {0: b"hello\n", 500: b"hello\n", 50000: b"hello\n", 900000: b""}
        for engine in ("jit", "interp"):
            saves = []
            for c in points:
                saves += ["-savevm-at", str(c), str(work / f"{engine}-{c}.snap")]
            full = run(jitpc, guest + ["-engine", engine] + saves, b"hello\n")
            check(full[0] == 33 and full[1] == b"serial ready\nHELLO\n", f"saving run ({engine}): {full[:2]}")
            for c, rest in points.items():
                for load_engine in ("jit", "interp"):
                    r = run(jitpc, guest + ["-engine", load_engine, "-loadvm", str(work / f"{engine}-{c}.snap")], rest)
                    check(r[0] == full[0] and full[1].endswith(r[1]) and counts(r[2]) == counts(full[2]),
                          f"count {c} saved under {engine}, loaded under {load_engine}: {r[0]} {r[1]!r} {r[2]!r}")
        # A disk overlay: hd_boot writes its disk; saved near its end, after the write, the loaded run ends alike.
        hd_full = run(jitpc, ["-hda", hd, "-snapshot", "-savevm-at", "2150", str(work / "hd.snap")])
        hd_load = run(jitpc, ["-hda", hd, "-snapshot", "-loadvm", str(work / "hd.snap")])
        check(hd_full[0] == 33 and hd_load[0] == 33 and counts(hd_load[2]) == counts(hd_full[2]),
              f"hd_boot: {hd_full[0]} {hd_load[0]} {hd_load[2]!r}")

        dma_args = ["-kernel", dma, "-hda", dma_disk, "-snapshot"]
        saves = []
        for c in range(0, 1750, 50):
            saves += ["-savevm-at", str(c), str(work / f"dma-{c}.snap")]
        dma_full = run(jitpc, dma_args + saves)
        check(dma_full[0] == 33, f"jit_dma saving run: {dma_full[0]} {dma_full[2]!r}")
        for c in range(0, 1750, 50):
            for engine in ("jit", "interp"):
                r = run(jitpc, dma_args + ["-engine", engine, "-loadvm", str(work / f"dma-{c}.snap")])
                check(r[0] == 33 and counts(r[2]) == counts(dma_full[2]), f"jit_dma at {c} under {engine}: {r[0]} {r[2]!r}")

        (work / "root").mkdir()
        shutil.copy(emul_disk, work / "root" / "boot.bin")
        subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-b", "boot.bin", "-hard-disk-boot", "-o",
                        str(work / "cd.iso"), str(work / "root")], check=True, capture_output=True)
        cd_args = ["-cdrom", str(work / "cd.iso"), "-boot", "d", "-fda", real_disk, "-hda", real_disk, "-snapshot"]
        saves = []
        for c in range(0, 1600, 100):
            saves += ["-savevm-at", str(c), str(work / f"cd-{c}.snap")]
        cd_full = run(jitpc, cd_args + saves)
        check(cd_full[0] == 33, f"El Torito saving run: {cd_full[0]} {cd_full[2]!r}")
        for c in range(0, 1600, 100):
            r = run(jitpc, cd_args + ["-loadvm", str(work / f"cd-{c}.snap")])
            check(r[0] == 33 and counts(r[2]) == counts(cd_full[2]), f"El Torito at {c}: {r[0]} {r[2]!r}")

        snap = (work / "jit-500.snap").read_bytes()
        (work / "cut.snap").write_bytes(snap[: len(snap) // 2])
        expect_error(jitpc, "cut snapshot", guest + ["-loadvm", str(work / "cut.snap")], ["truncated"])
        bad = bytearray(snap)
        bad[len(bad) // 3] ^= 0x01
        (work / "bad.snap").write_bytes(bad)
        expect_error(jitpc, "corrupted snapshot", guest + ["-loadvm", str(work / "bad.snap")], ["corrupted"])
        expect_error(jitpc, "not a snapshot", guest + ["-loadvm", serial], ["not a jitpc snapshot"])
        expect_error(jitpc, "other options", guest + ["-m", "64M", "-loadvm", str(work / "jit-500.snap")],
                     ["made with the machine options"])
        other = work / "other.img"
        shutil.copy(serial, other)
        with open(other, "ab") as f:
            f.write(b"\0" * 16)
        expect_error(jitpc, "other image", ["-kernel", str(other), "-serial", "stdio", "-loadvm",
                                            str(work / "jit-500.snap")], ["is not the one recorded"])
        disk = work / "hd.img"
        shutil.copy(hd, disk)
        expect_error(jitpc, "-savevm-at with a disk written in place",
                     ["-hda", str(disk), "-savevm-at", "5", str(work / "x.snap")], ["-snapshot"])

        # The monitor: savevm at a stop, loadvm of it in another run.
        mon = subprocess.run([jitpc, "-kernel", serial, "-serial", "none", "-debugcon", "none", "-monitor", "stdio", "-S"],
                             input=f"savevm {work / 'mon.snap'}\nloadvm {work / 'none.snap'}\nquit\n".encode(),
                             capture_output=True, timeout=60)
        check(mon.returncode == 0 and b"cannot open" in mon.stdout, f"monitor savevm: {mon.stdout!r}")
        r = run(jitpc, guest + ["-loadvm", str(work / "mon.snap")], b"hello\n")
        check(r[0] == 33 and r[1] == b"serial ready\nHELLO\n", f"monitor savevm loaded: {r[:2]}")
    finally:
        shutil.rmtree(work)
    return verdict("snapshot")


if __name__ == "__main__":
    sys.exit(main())
