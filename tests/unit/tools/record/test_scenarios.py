"""The scenario file's pieces that must be the same on every machine."""

from __future__ import annotations

import struct
import zlib

from codex_gateway_contracts.tools.record.scenarios import tiny_png


def test_tiny_png_is_a_valid_stable_png() -> None:
    png = tiny_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == tiny_png()
    offset, kinds = 8, []
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        assert struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])[0] == zlib.crc32(kind + data)
        kinds.append(kind)
        offset += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
