"""Listening sockets of a process group, read from /proc: addresses decoded, loopback told apart."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from codex_gateway_contracts.core import sockets
from codex_gateway_contracts.core.sockets import Listener, _decode
from codex_gateway_contracts.errors import GatewayError

from ...conftest import InertGateway


@pytest.mark.parametrize(
    ("raw", "address", "loopback"),
    [
        ("0100007F", "127.0.0.1", True),
        ("00000000", "0.0.0.0", False),
        ("0200007F", "127.0.0.2", True),
        ("0101A8C0", "192.168.1.1", False),
        ("00000000000000000000000001000000", "::1", True),
        ("00000000000000000000000000000000", "::", False),
        ("0000000000000000FFFF00000100007F", "::ffff:127.0.0.1", True),
    ],
)
def test_proc_addresses_are_decoded_and_loopback_is_recognised(raw: str, address: str, loopback: bool) -> None:
    assert ipaddress.ip_address(_decode(raw)) == ipaddress.ip_address(address)
    assert Listener(1, address, 80).loopback is loopback


@pytest.mark.skipif(not sockets.supported(), reason="Linux /proc")
def test_the_sockets_this_process_group_listens_on_are_found() -> None:
    with socket.socket(socket.AF_INET) as v4, socket.socket(socket.AF_INET6) as v6:
        v4.bind(("127.0.0.1", 0))
        v6.bind(("::1", 0))
        v4.listen()
        v6.listen()
        port4, port6 = v4.getsockname()[1], v6.getsockname()[1]
        found = sockets.listeners(os.getpgrp())
        mine = {(listener.address, listener.port) for listener in found if listener.pid == os.getpid()}
        assert ("127.0.0.1", port4) in mine and ("::1", port6) in mine
        assert os.getpid() in sockets.group_pids(os.getpgrp())
    # Closed: gone. (The port is read before closing: other listeners of the group, e.g. a session's mocks
    # under make test, would otherwise make any() ask a closed socket.)
    left = sockets.listeners(os.getpgrp())
    assert not any(listener.port == port4 and listener.pid == os.getpid() for listener in left)


class Exposed(InertGateway):
    """An adapter whose (pretend) process listens on every interface."""

    name = kind = title = "exposed"

    def listeners(self) -> list[Listener]:
        return [Listener(7, "127.0.0.1", 1), Listener(7, "0.0.0.0", 8787)]


@pytest.mark.skipif(not sockets.supported(), reason="Linux /proc")
def test_a_gateway_listening_beyond_loopback_is_refused_naming_the_address(tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match=r"exposed listens on 0\.0\.0\.0:8787 \(pid 7\): .* 127\.0\.0\.1 only"):
        Exposed("x", tmp_path).check_loopback()
