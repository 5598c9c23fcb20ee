"""A tiny scripted HTTP server on 127.0.0.1 for the client tests: real sockets, real HTTP.

Each test gives it a function from the received request to a `Reply`; the server records
every request exactly as it arrived (raw path, headers, body) so tests can check what a
client sent, and to whom.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    target: str  # the raw request target: path and query exactly as sent
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    hold: bool = False  # answer only when the server stops (lets a client time out)
    reset: bool = False  # drop the connection with a TCP reset instead of answering


Handler = Callable[[Received], Reply]


class LocalServer:
    def __init__(self, handler: Handler) -> None:
        self.received: list[Received] = []
        self._handler = handler
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(
                    method=self.command,
                    target=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                server.received.append(received)
                reply = server._handler(received)
                if reply.hold:
                    server._release.wait(timeout=30)
                if reply.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if "Date" in reply.headers:
                    self.send_response_only(reply.status)  # the reply sets its own Date
                else:
                    self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (timeout test)
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        return _Handler


@contextmanager
def serve(handler: Handler) -> Iterator[LocalServer]:
    """Run a LocalServer for the duration of a `with` block."""
    server = LocalServer(handler).start()
    try:
        yield server
    finally:
        server.stop()


def always(reply: Reply) -> Handler:
    return lambda _received: reply
