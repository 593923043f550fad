"""The load client, against a small local server whose every answer we choose.

``production_server`` is not tested here: it needs a migrated PostgreSQL database, and the
benchmark itself runs it.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.http import Load, Server, hammer, read_response, scan_each_once

CLIENTS = 4
SECONDS = 0.6


def short_run(base_url: str, paths: list[str]) -> Load:
    return hammer(base_url, paths, concurrency=CLIENTS, duration=SECONDS, warmup=0.2)


@dataclass
class Seen:
    """What the local server saw, over the whole run (warm-up included)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    connections: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    headers: dict[str, str] = field(default_factory=dict)


def _handler_for(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep connections open unless told otherwise

        def setup(self) -> None:
            super().setup()
            with seen.lock:
                seen.connections += 1

        def do_GET(self) -> None:
            with seen.lock:
                seen.requests[self.path] += 1
                seen.headers = dict(self.headers.items())
            answer = getattr(self, "answer_" + self.path.strip("/").replace("-", "_"), None)
            if answer is None:
                self.send_error(404)
            else:
                answer()

        def answer_ok(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def answer_chunked(self) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5;note=first\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n")

        def answer_close(self) -> None:
            """As gunicorn's sync workers answer: Content-Length, then close."""
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"ok")

        def answer_until_eof(self) -> None:
            """A body with no length, ended by closing the connection."""
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok, and that is all")
            self.close_connection = True

        def answer_hang_up_later(self) -> None:
            """Promise to keep the connection open, then close it before the next request."""
            self.answer_ok()
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(seen))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}", seen
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_run_counts_requests_and_keeps_each_connection_open(site):
    base_url, seen = site
    load = short_run(base_url, ["/ok"])
    assert load.requests > 0
    assert load.errors == 0
    assert load.statuses == {200: load.requests}
    assert load.seconds == SECONDS
    assert load.rps == load.requests / SECONDS
    assert load.p99_ms >= load.p50_ms > 0
    # One connection per client for the whole run; warm-up requests reached the server too.
    assert seen.connections == CLIENTS
    assert seen.requests["/ok"] > load.requests


def test_requests_carry_the_headers_of_a_tls_terminating_proxy(site):
    base_url, seen = site
    hammer(base_url, ["/ok"], concurrency=1, duration=0.1, warmup=0)
    assert seen.headers == {
        "Host": base_url.removeprefix("http://"),
        "X-Forwarded-Proto": "https",
        "Accept-Language": "zh-hans",
        "User-Agent": "jifen-bench",
    }


def test_answers_other_than_200_are_errors(site):
    base_url, _seen = site
    load = short_run(base_url, ["/ok", "/missing"])
    assert set(load.statuses) == {200, 404}
    assert load.requests == load.statuses[200] + load.statuses[404]
    assert load.errors == load.statuses[404]
    # Each client alternates, starting at a different path: the two counts stay close.
    assert abs(load.statuses[200] - load.statuses[404]) <= CLIENTS


@pytest.mark.parametrize("path", ["/chunked", "/until-eof", "/close", "/hang-up-later"])
def test_every_way_of_ending_a_body_or_a_connection_is_read_cleanly(site, path):
    base_url, seen = site
    load = short_run(base_url, [path])
    assert load.errors == 0
    assert load.statuses == {200: load.requests}
    if path == "/chunked":
        # The body was read to its very end, so the connection could be used again.
        assert seen.connections == CLIENTS
    else:
        # A new connection for each request; a client stopped at the end of the run may have
        # connected and not yet asked.
        assert seen.requests[path] <= seen.connections <= seen.requests[path] + CLIENTS


def test_scanning_each_once_requests_every_path_once(site):
    base_url, seen = site
    paths = ["/ok", "/close", "/chunked", "/until-eof"]
    assert scan_each_once(base_url, paths, clients=2) > 0
    assert seen.requests == Counter(paths)
    assert seen.headers["X-Forwarded-Proto"] == "https"


def test_scanning_each_once_fails_on_an_answer_other_than_200(site):
    base_url, _seen = site
    with pytest.raises(RuntimeError, match="/missing: 404"):
        scan_each_once(base_url, ["/ok", "/missing"])


def test_a_server_that_is_not_there_is_all_errors():
    with socket.socket() as bound_but_not_listening:
        bound_but_not_listening.bind(("127.0.0.1", 0))
        port = bound_but_not_listening.getsockname()[1]
        load = hammer(f"http://127.0.0.1:{port}", ["/ok"], concurrency=2, duration=0.3, warmup=0.1)
    assert load.requests > 0
    assert load.errors == load.requests
    assert load.statuses == {}
    assert math.isnan(load.p50_ms)
    assert math.isnan(load.p99_ms)


@pytest.mark.parametrize(
    ("paths", "options"),
    [
        ([], {}),
        (["healthz/"], {}),
        (["/ok"], {"concurrency": 0}),
        (["/ok"], {"duration": 0}),
        (["/ok"], {"warmup": -1}),
    ],
)
def test_a_run_that_makes_no_sense_is_refused_before_it_starts(paths, options):
    with pytest.raises(ValueError):
        hammer("http://127.0.0.1:9", paths, **options)


def test_the_load_survives_its_trip_through_json():
    load = Load(
        requests=10,
        errors=1,
        seconds=1.0,
        rps=10.0,
        p50_ms=1.5,
        p99_ms=9.0,
        statuses={200: 9, 404: 1},
    )
    assert Load.from_json(load.to_json()) == load


def parse(raw: bytes) -> list[tuple[int, bool]]:
    """The (status, keep-alive) of each response in ``raw``, read one after the other."""

    async def read_all() -> list[tuple[int, bool]]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        responses = []
        while not reader.at_eof():
            response = await read_response(reader)
            responses.append((response.status, response.keep_alive))
        return responses

    # In a thread of its own: an earlier test in this worker (Playwright's) may have left an
    # event loop running in this one, and asyncio.run refuses to start inside it.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, read_all()).result()


def test_responses_are_read_to_the_end_of_their_bodies():
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"
        b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nno!"
        b"HTTP/1.1 200 OK\r\n\r\nthe rest, until the server closes"
    )
    assert parse(raw) == [
        (200, True),
        (200, True),
        (304, True),
        (200, True),
        (404, False),
        (200, False),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Len",
        b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    ],
)
def test_a_response_cut_short_or_not_http_is_refused(raw):
    with pytest.raises((EOFError, ValueError)):
        parse(raw)


def test_the_workers_are_the_masters_children_and_their_memory_is_read():
    # A master of our own: this test process may have other children (a browser driver).
    master = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
            "print(child.pid, flush=True)\n"
            "child.wait()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert master.stdout is not None
        worker = int(master.stdout.readline())
        server = Server(base_url="http://127.0.0.1:9", master_pid=master.pid)
        assert server.worker_pids() == [worker]
        assert 1 < server.rss_mb() < 200
        os.kill(worker, 9)
        master.wait(timeout=10)
    finally:
        master.kill()
        master.wait()
    assert server.worker_pids() == []
    with pytest.raises(RuntimeError, match="has no workers"):
        server.rss_mb()
