"""The AWS event-stream codec (``application/vnd.amazon.eventstream``) the Bedrock wires stream in."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

CONTENT_TYPE = "application/vnd.amazon.eventstream"


def eventstream_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One binary event-stream message: prelude, CRC, string headers, payload, message CRC.

    Layout from the AWS event-stream encoding (total length, headers length, prelude CRC32, headers as
    name-length/name/type 7/value-length/value, payload, CRC32 of everything before it).
    """
    encoded = b"".join(
        struct.pack(">B", len(name)) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
        for name, value in headers.items()
    )
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def decode_eventstream(data: bytes) -> Iterator[tuple[dict[str, str], bytes]]:
    """Split an event stream into (headers, payload), checking both CRCs; ValueError on corruption."""
    offset = 0
    while offset < len(data):
        if len(data) - offset < 16:
            raise ValueError(f"truncated event-stream message at byte {offset}")
        total, header_length, prelude_crc = struct.unpack_from(">III", data, offset)
        if zlib.crc32(data[offset : offset + 8]) != prelude_crc:
            raise ValueError(f"bad prelude CRC at byte {offset}")
        end = offset + total
        if zlib.crc32(data[offset : end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            raise ValueError(f"bad message CRC at byte {offset}")
        cursor, headers = offset + 12, {}
        while cursor < offset + 12 + header_length:
            name_length = data[cursor]
            name = data[cursor + 1 : cursor + 1 + name_length].decode()
            cursor += 1 + name_length
            if data[cursor] != 7:
                raise ValueError(f"header {name!r} is not a string header")
            (value_length,) = struct.unpack_from(">H", data, cursor + 1)
            headers[name] = data[cursor + 3 : cursor + 3 + value_length].decode()
            cursor += 3 + value_length
        yield headers, data[cursor : end - 4]
        offset = end


def json_events(events: Sequence[tuple[str, Mapping[str, Any]]], padding: bool) -> bytes:
    """JSON events as event-stream messages (``:event-type`` each), padded as Bedrock does when asked."""
    out = b""
    for n, (kind, body) in enumerate(events):
        payload = dict(body)
        if padding:
            # Bedrock pads every event with a random-length "p" member (hides token lengths).
            payload["p"] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"[: 4 + (n * 7) % 30]
        headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
        out += eventstream_message(headers, json.dumps(payload, separators=(",", ":")).encode())
    return out
