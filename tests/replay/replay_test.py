#!/usr/bin/env python3
"""replay_test.py JITPC SERIAL_IMAGE HD_IMAGE TIMER_IMAGE: -record and -replay on small guests.

The serial guest (tests/guest/serial.asm) echoes piped COM1 input; it is recorded under each
engine and replayed under both, which must give its output, exit status and -stats counts
again (the same engine: every -stats line), as a plain run does. A damaged log (one input byte
changed, cut short), one whose input byte was changed with its checksum redone (the guest then
runs differently: a divergence), one of another version, for another image or other machine
options: status 1 and one line naming what is wrong, with the count where it applies. The disk
guest (hd_boot, which writes its disk) leaves its image unchanged under -record and -replay. Fuzzed
logs (random bytes of a good log changed, frames resealed so that the decoders see them): each
replay ends with a status (status 1 with one printable line), never a crash or a hang. The timer
guest (tests/guest/timer.asm), halted for all but 11,000 of its 10^8 ticks, records one State
frame, at power-on: halted ticks do not count towards the interval (an idle guest digested 240
times a second of its time), and the log replays under both engines."""
import filecmp
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import logtool  # noqa: E402
from harness import check, counts, expect_error, run, verdict  # noqa: E402


def struct_length(data, offset):
    """The payload length a (possibly fuzzed) frame header states, if the file holds it."""
    import struct
    length = struct.unpack_from("<I", data, offset + 9)[0]
    if offset + 13 + length + 4 > len(data):
        raise ValueError("past the end")
    return length


def main():
    jitpc, serial, hd, timer = sys.argv[1:5]
    work = Path(tempfile.mkdtemp(prefix="jitpc-replay-"))
    try:
        guest = ["-kernel", serial, "-serial", "stdio"]
        want = b"serial ready\nHELLO\n"
        plain = run(jitpc, guest, b"hello\n")
        check(plain[0] == 33 and plain[1] == want, f"plain run: status {plain[0]}, output {plain[1]!r}")
        for rec_engine in ("jit", "interp"):
            log = work / f"{rec_engine}.log"
            rec = run(jitpc, guest + ["-engine", rec_engine, "-record", str(log)], b"hello\n")
            check(rec[:2] == plain[:2], f"record ({rec_engine}): status {rec[0]}, output {rec[1]!r}")
            check(counts(rec[2]) == counts(plain[2]), f"record ({rec_engine}) counts {counts(rec[2])} vs plain {counts(plain[2])}")
            for engine in ("jit", "interp"):
                rep = run(jitpc, guest + ["-engine", engine, "-replay", str(log)])
                check(rep[:2] == rec[:2], f"replay ({rec_engine} -> {engine}): status {rep[0]}, output {rep[1]!r}")
                same = rep[2] == rec[2] if engine == rec_engine else counts(rep[2]) == counts(rec[2])
                check(same, f"replay ({rec_engine} -> {engine}): stderr {rep[2]!r} vs {rec[2]!r}")
        # QEMU's spelling records the same log.
        qlog = work / "qemu.log"
        q = run(jitpc, guest + ["-icount", f"shift=auto,rr=record,rrfile={qlog}"], b"hello\n")
        check(q[:2] == plain[:2], f"-icount rr=record: status {q[0]}")
        q = run(jitpc, guest + ["-icount", f"shift=7,rr=replay,rrfile={qlog}"])
        check(q[:2] == plain[:2] and counts(q[2]) == counts(plain[2]), f"-icount rr=replay: status {q[0]} {q[2]!r}")

        data = bytearray((work / "jit.log").read_bytes())
        frames = logtool.frames(data)
        # One input byte changed, the frame's checksum left alone: caught by the checksum.
        bad = bytearray(data)
        count = logtool.flip_input(bad, 2, ord("x"), seal=False)
        prev = max(f[1] for f in frames if f[2] < logtool.input_frames(data)[2][2])
        (work / "tampered.log").write_bytes(bad)
        expect_error(jitpc, "tampered log", guest + ["-replay", str(work / "tampered.log")],
                     ["corrupted", f"instruction count {prev}"])
        # Cut inside its last frame: truncated, after the last whole frame's count.
        (work / "cut.log").write_bytes(data[:frames[-1][2] + 20])
        expect_error(jitpc, "truncated log", guest + ["-replay", str(work / "cut.log")],
                     ["truncated", f"instruction count {frames[-2][1]}"])
        # The same byte changed and the checksum redone: the guest takes another byte, and the
        # replay reports where it parted from the recording.
        sealed = bytearray(data)
        logtool.flip_input(sealed, 2, ord("x"), seal=True)
        (work / "sealed.log").write_bytes(sealed)
        status, out, err = run(jitpc, guest + ["-replay", str(work / "sealed.log")])
        check(status == 1 and "jitpc: replay diverged at instruction count" in err and "serial output digest" in err,
              f"input changed with its checksum: status {status}, {err!r}")
        check(count > 0, "the changed input has a count")
        # Another version, another image, other machine options.
        (work / "version.log").write_bytes(logtool.replace_version(data, b"v0-other"))
        expect_error(jitpc, "other version", guest + ["-replay", str(work / "version.log")], ["made by jitpc v0-other"])
        other = work / "serial-other.img"
        shutil.copy(serial, other)
        with open(other, "ab") as f:
            f.write(b"\0" * 16)
        expect_error(jitpc, "other image", ["-kernel", str(other), "-serial", "stdio", "-replay", str(work / "jit.log")],
                     ["-kernel image", "is not the one recorded"])
        expect_error(jitpc, "other options", guest + ["-m", "64M", "-replay", str(work / "jit.log")],
                     ["made with the machine options"])
        expect_error(jitpc, "not a log", guest + ["-replay", serial], ["is not a jitpc record/replay log"])
        expect_error(jitpc, "missing log", guest + ["-replay", str(work / "none.log")], ["cannot open"])

        # Fuzzed logs: bytes changed inside frames, resealed, so the decoders and the replayer see them.
        rng = random.Random(5)
        for case in range(60):
            fuzzed = bytearray(data)
            kind, count, offset, length = rng.choice(frames)
            for _ in range(rng.randint(1, 4)):
                fuzzed[offset + rng.randrange(13 + length)] = rng.randrange(256)
            fuzzed_frames_ok = True
            try:
                logtool.reseal(fuzzed, offset, struct_length(fuzzed, offset))
            except Exception:
                fuzzed_frames_ok = False
            (work / "fuzz.log").write_bytes(fuzzed)
            try:
                status, _, err = run(jitpc, guest + ["-replay", str(work / "fuzz.log")])
            except subprocess.TimeoutExpired:
                check(False, f"fuzz case {case}: the replay hung")
                continue
            one_line = status != 1 or (len(err.splitlines()) >= 1 and err.startswith("jitpc: "))
            printable = all(c == "\n" or " " <= c < "\x7f" for c in err)
            # A changed End frame may name another status, which the replay then ends with.
            check(status >= 0 and one_line and printable,
                  f"fuzz case {case} ({fuzzed_frames_ok}): status {status}, {err!r}")

        # An idle guest: State frames only for the ticks it was not halted.
        for rec_engine in ("jit", "interp"):
            log = work / f"timer-{rec_engine}.log"
            rec = run(jitpc, ["-kernel", timer, "-engine", rec_engine, "-record", str(log)])
            states = [f for f in logtool.frames(log.read_bytes()) if f[0] == logtool.STATE]
            check(rec[0] == 33 and len(states) == 1,
                  f"timer record ({rec_engine}): status {rec[0]}, {len(states)} State frames, want 1")
            for engine in ("jit", "interp"):
                rep = run(jitpc, ["-kernel", timer, "-engine", engine, "-replay", str(log)])
                check(rep[:2] == rec[:2] and counts(rep[2]) == counts(rec[2]),
                      f"timer replay ({rec_engine} -> {engine}): status {rep[0]}, {rep[2]!r}")

        # Disk writes during record and replay stay in memory: the image is unchanged.
        disk = work / "hd.img"
        shutil.copy(hd, disk)
        for mode in ("-record", "-replay"):
            status, _, err = run(jitpc, ["-hda", str(disk), mode, str(work / "hd.log")])
            check(status == 33, f"hd_boot {mode}: status {status} {err!r}")
            check(filecmp.cmp(hd, disk, shallow=False), f"hd_boot {mode} changed the image")
    finally:
        shutil.rmtree(work)
    return verdict("replay")


if __name__ == "__main__":
    sys.exit(main())
