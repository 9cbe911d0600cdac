"""One loopback HTTP server for every fake endpoint the suite runs.

Provider mocks, the recorder's scripted Responses endpoint and the mutation harness's faulty gateway all
use it. It listens on 127.0.0.1 on a port the OS picks, serves from daemon threads, hands each request as a
:class:`Request` to a callable and writes the :class:`Response` it returns (a whole body with its length;
no fake endpoint here needs to stream in pieces). ``close()`` stops it and frees the port.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request as received: headers in the order and spelling the client sent them."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header of that name, case-insensitively."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True)
class Response:
    """A whole answer: status, content type and bytes."""

    status: int
    content_type: str
    payload: bytes


Handler = Callable[[Request], Response]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1:<free port> answering with ``handle``; a context manager."""

    def __init__(
        self,
        handle: Handler,
        *,
        name: str = "loopback",
        protocol: str = "HTTP/1.1",
        server_version: str = "codex-contracts",
    ) -> None:
        class _Handler(BaseHTTPRequestHandler):
            protocol_version = protocol

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                response = handle(Request(self.command, self.path, tuple(self.headers.items()), body))
                self.send_response(response.status)
                self.send_header("content-type", response.content_type)
                self.send_header("content-length", str(len(response.payload)))
                self.end_headers()
                self.wfile.write(response.payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: every caller records what it needs."""

        _Handler.server_version = server_version
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The port the OS picked."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
