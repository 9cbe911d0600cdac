"""A toy wire format, to prove that adding one is one module plus data (see test_toy_wire.py).

``toy-lines``: a request is ``{"model", "prompt", "abilities": [{"name", "takes"}], "stream"}`` at
``/toy/say``, with the key in ``x-toy-key``; the answer is ``{"said", "did"}``, or one JSON line per piece
when streaming.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from codex_gateway_contracts.core.cassettes import ReplyItem
from codex_gateway_contracts.wires import Reply, ToolSpec, Wire
from codex_gateway_contracts.wires.base import ReplyOptions, arguments, json_reply, listed, named, split

ENDPOINTS = """\
  say:
    path: /toy/say$
    schema: say.schema.json
    wire: toy-lines
    errors:
      unknown_field:
        status: 400
        body: {error: "unknown field {path}"}
        evidence: TODO
      invalid_value:
        status: 400
        body: {error: "bad value at {path}: {detail}"}
        evidence: TODO
    reply:
      evidence: TODO
"""
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["model", "prompt"],
    "additionalProperties": False,
    "x-evidence": {"source": "TODO", "confidence": "L"},
    "properties": {
        name: {"x-evidence": {"source": "TODO", "confidence": "L"}, **schema}
        for name, schema in {
            "model": {"type": "string"},
            "prompt": {"type": "string"},
            "abilities": {"type": "array"},
            "stream": {"type": "boolean"},
        }.items()
    },
}


class ToyLines(Wire):
    """The whole wire: request shape, paths, auth, tools, replies, templates."""

    key = "toy-lines"
    canonical_paths = ("/toy/say",)

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        return {"model": model, "prompt": "Say hello.", "stream": stream}

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        return named(listed(body, "abilities"), "takes")

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-toy-key": key}

    def templates(self) -> tuple[str, str]:
        return ENDPOINTS, json.dumps(SCHEMA, indent=2)

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        said = "".join(i.text for i in items if i.kind == "text")
        did = [
            {"ability": i.name, "with": arguments(i)} for i in items if i.kind in {"function_call", "custom_tool_call"}
        ]
        if not ask.stream:
            return json_reply({"said": said, "did": did}, items)
        lines = [{"piece": piece} for piece in split(said)] + [{"did": did, "done": True}]
        payload = "".join(json.dumps(line) + "\n" for line in lines).encode()
        return Reply(200, "application/x-toy-lines", payload, tuple(items))
