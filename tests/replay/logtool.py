"""Reading and editing jitpc's record/replay log (replay/log_format.h) for the tests: frames
are kind (1 byte), count (8), payload length (4), payload, CRC-32 (4), after an 8-byte magic."""
import struct
import zlib

MAGIC = b"JITPCRR\n"
HEADER, INPUT, STATE, END = 1, 2, 3, 4


def frames(data):
    """[(kind, count, offset of the frame, payload length)]"""
    assert data[:8] == MAGIC, "not a log"
    out, pos = [], 8
    while pos < len(data):
        kind, count, length = struct.unpack_from("<BQI", data, pos)
        out.append((kind, count, pos, length))
        pos += 13 + length + 4
    return out


def reseal(data, offset, length):
    """Makes the frame at `offset` pass its CRC again after an edit."""
    struct.pack_into("<I", data, offset + 13 + length, zlib.crc32(bytes(data[offset:offset + 13 + length])))


def input_frames(data):
    return [f for f in frames(data) if f[0] == INPUT and data[f[2] + 14] == 0]  # kind Byte


def flip_input(data, index, new_byte, seal):
    """Changes the byte of the index-th input byte frame; returns its count."""
    kind, count, offset, length = input_frames(data)[index]
    data[offset + 15] = new_byte
    if seal:
        reseal(data, offset, length)
    return count


def replace_version(data, version):
    """A copy of the log whose header names another jitpc version (resealed)."""
    kind, count, offset, length = frames(data)[0]
    payload = data[offset + 13:offset + 13 + length]
    old_len = struct.unpack_from("<I", payload, 4)[0]
    new = bytes(payload[:4]) + struct.pack("<I", len(version)) + version + bytes(payload[8 + old_len:])
    frame = struct.pack("<BQI", kind, count, len(new)) + new
    frame += struct.pack("<I", zlib.crc32(frame))
    return bytearray(data[:offset] + frame + data[offset + 13 + length + 4:])
