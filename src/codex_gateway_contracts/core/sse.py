"""Server-sent events, parsed the way a strict client reads them (WHATWG event-stream rules)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """One dispatched event: its ``event:`` name (may be empty) and joined ``data:`` lines."""

    event: str
    data: str

    def json(self) -> Any:
        """The data as JSON, or None when it is not JSON (``[DONE]``, a keep-alive, garbage)."""
        try:
            return json.loads(self.data)
        except (json.JSONDecodeError, ValueError):
            return None


def iter_sse(source: str | Iterable[str]) -> Iterator[Event]:
    """Yield events from a whole text or from an iterator of lines; comments are skipped."""
    lines = source.splitlines() if isinstance(source, str) else source
    name, data = "", list[str]()
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data:
                yield Event(name, "\n".join(data))
            name, data = "", list[str]()
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if data:
        yield Event(name, "\n".join(data))


def encode(events: Iterable[tuple[str | None, Any]]) -> bytes:
    """Encode ``(event-name or None, payload)`` pairs; str payloads are sent verbatim, others as JSON."""
    chunks = []
    for name, payload in events:
        text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        chunks.append((f"event: {name}\n" if name else "") + f"data: {text}\n\n")
    return "".join(chunks).encode("utf-8")
