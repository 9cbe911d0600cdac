"""Adding a wire format is one module plus data: a toy wire, registered here, is served by a strict mock.

The module (toy_wire.py) knows its request shape, path, auth, tools and replies; the data is a provider
folder naming the wire. Nothing in the package is edited: the catalogue accepts the wire once it is
registered, the mock validates, answers in the toy format and calls only the abilities a request offers,
and the scaffold writes a provider from the wire's templates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from codex_gateway_contracts import wires
from codex_gateway_contracts.core.cassettes import ReplyItem
from codex_gateway_contracts.core.catalogue import load_catalogue, load_provider
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.errors import CatalogueError
from codex_gateway_contracts.tools.scaffold import audit, scaffold

from .toy_wire import ToyLines


@pytest.fixture
def toy() -> Iterator[wires.Wire]:
    wires.register(ToyLines)
    yield wires.get(ToyLines.key)
    wires.unregister(ToyLines.key)


@pytest.fixture
def providers(toy: wires.Wire, tmp_path: Path) -> Path:
    """The data: one provider folder whose endpoint speaks the toy wire, evidence filled in."""
    folder = scaffold(tmp_path, "toyco", "toyco", "toy-1", toy.key)
    for path in folder.iterdir():
        path.write_text(path.read_text(encoding="utf-8").replace("TODO", "toy_wire.py"), encoding="utf-8")
    assert audit(folder) == []
    return tmp_path


def test_a_registered_toy_wire_is_served_by_a_strict_mock(toy: wires.Wire, providers: Path) -> None:
    catalogue = load_catalogue(providers)
    provider = catalogue.get("toyco")
    (endpoint,) = provider.endpoints
    assert endpoint.wire == "toy-lines" and wires.keys()[-1] == "toy-lines"
    fleet = MockFleet(catalogue)
    try:
        base = fleet.register("0-toy", provider, "toy")
        url = base + provider.request_path(endpoint, provider.litellm_model)
        headers = toy.auth_headers("k")
        plan = (ReplyItem("text", text="Hello."), ReplyItem("function_call", name="wave", arguments='{"times": 2}'))

        body = {**toy.minimal_request(provider.litellm_model), "abilities": [{"name": "wave", "takes": {}}]}
        with fleet.expecting("toy", plan, "t1"):
            answer = httpx.post(url, json=body, headers=headers, timeout=10, trust_env=False)
        assert answer.status_code == 200
        assert answer.json() == {"said": "Hello. [t1]", "did": [{"ability": "wave", "with": {"times": 2}}]}

        with fleet.expecting("toy", plan, "t2"):  # not offered: the mock says so instead of calling it
            streamed = httpx.post(url, json=toy.minimal_request("m", stream=True), timeout=10, trust_env=False)
        lines = [json.loads(line) for line in streamed.text.splitlines()]
        assert streamed.headers["content-type"] == "application/x-toy-lines"
        assert "".join(line.get("piece", "") for line in lines).startswith("Hello. [t2]")
        assert lines[-1] == {"did": [], "done": True}

        with fleet.expecting("toy", plan, "t3"):
            refused = httpx.post(url, json={**body, "zz_unknown": 1}, timeout=10, trust_env=False)
        assert (refused.status_code, refused.json()) == (400, {"error": "unknown field zz_unknown"})
        (call,) = fleet.take("toy")
        assert [(v.kind, v.path) for v in call.violations] == [("unknown", ("zz_unknown",))]
    finally:
        fleet.close()


def test_an_unregistered_wire_is_refused_by_name(providers: Path) -> None:
    wires.unregister(ToyLines.key)
    with pytest.raises(CatalogueError, match="has wire 'toy-lines'; one of"):
        load_provider(providers / "toyco")
