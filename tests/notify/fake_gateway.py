"""A local SMS gateway that fails sometimes, on a fixed pattern, and drops repeated keys.

Each request takes the next behaviour of ``pattern`` (cycling):

- ``ok``: accept the message and answer 200;
- ``error``: answer 500 without accepting it;
- ``slow``: accept it, then answer only after the client has given up (the ambiguous case);
- ``hang_up``: close the connection without accepting it;
- ``accept_and_hang_up``: accept it, then close the connection without answering (ambiguous);
- ``redirect``: answer 302 elsewhere.

Like a real gateway, it accepts an ``Idempotency-Key`` once: a repeat of an accepted key is
answered 200 and counted in ``repeats``, not delivered again. A wrong key is answered 401.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "test-gateway-key"


@dataclass(frozen=True)
class Seen:
    key: str
    body: dict[str, str]
    authorization: str
    content_type: str
    behaviour: str


class FakeGateway:
    def __init__(self, pattern: list[str], *, slow_seconds: float = 0.6) -> None:
        self.pattern = pattern
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.requests: list[Seen] = []
        self.accepted: list[str] = []  # keys delivered, in order
        self.repeats = 0
        self.in_flight = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/send"

    def start(self) -> FakeGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.settle()
        self.server.shutdown()
        self.server.server_close()

    def settle(self, timeout: float = 5.0) -> None:
        """Wait for requests still being answered (the slow ones)."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def accept(self, key: str) -> None:
        with self.lock:
            if key in self.accepted:
                self.repeats += 1
            else:
                self.accepted.append(key)


def _handler_for(gateway: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            with gateway.lock:
                gateway.in_flight += 1
            try:
                self.answer()
            except OSError:
                pass  # the client gave up: expected for the slow and hung-up ones
            finally:
                with gateway.lock:
                    gateway.in_flight -= 1

        def answer(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers.get("Idempotency-Key", "")
            authorization = self.headers.get("Authorization", "")
            with gateway.lock:
                behaviour = gateway.pattern[len(gateway.requests) % len(gateway.pattern)]
                if authorization != f"Bearer {API_KEY}":
                    behaviour = "unauthorized"
                gateway.requests.append(
                    Seen(key, body, authorization, self.headers["Content-Type"], behaviour)
                )
            if behaviour == "unauthorized":
                self.reply(401)
            elif behaviour == "error":
                self.reply(500)
            elif behaviour == "redirect":
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif behaviour == "hang_up":
                self.hang_up()
            elif behaviour == "accept_and_hang_up":
                gateway.accept(key)
                self.hang_up()
            elif behaviour == "slow":
                gateway.accept(key)
                time.sleep(gateway.slow_seconds)
                self.reply(200)
            else:
                gateway.accept(key)
                self.reply(200)

        def reply(self, status: int) -> None:
            payload = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def hang_up(self) -> None:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
