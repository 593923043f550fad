"""HTTP load: jifen under its production server, and a light client to load it.

``production_server`` starts gunicorn the way README.md's "Production" section does, so that a
figure measured here is one a village's server would see. ``hammer`` loads it from a separate
process with a small asyncio client written on the standard library alone: on two cores the
client competes with the server for the processor, and a heavy client would make the server look
slower than it is.

The client plays the reverse proxy that terminates TLS: every request says
``X-Forwarded-Proto: https``, or production would redirect it to https.

Run the client by hand against a running server::

    .venv/bin/python -m bench.http http://127.0.0.1:8000 /healthz/ --duration 5
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]

START_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz/
STOP_TIMEOUT = 30.0  # gunicorn's own graceful timeout: idle workers stop well before it
CLIENT_GRACE = 30.0  # start-up and shut-down of the client process, beyond its run
FAILURE_PAUSE = 0.01  # after a failed connection, so that a dead server is not a busy loop

# Settings a caller's environment could carry that would make the server less than production.
NOT_PRODUCTION = ("DEBUG", "JIFEN_SSL_REDIRECT")


# The production server


@dataclass(frozen=True)
class Server:
    base_url: str
    master_pid: int

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the master forks them and nothing else."""
        return sorted(pid for pid, parent in _parent_pids() if parent == self.master_pid)

    def rss_mb(self) -> float:
        """Mean resident memory of the workers, in MiB: what each costs the machine."""
        sizes = [size for pid in self.worker_pids() if (size := _resident_mib(pid)) is not None]
        if not sizes:
            raise RuntimeError(f"gunicorn (pid {self.master_pid}) has no workers")
        return statistics.fmean(sizes)


def _parent_pids() -> Iterator[tuple[int, int]]:
    """(pid, parent pid) of every process, from /proc/<pid>/stat."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended while we looked
        # The command name, in parentheses, may hold spaces: the fields after it are fixed.
        state_and_parent = stat.rpartition(")")[2].split()
        yield int(entry.name), int(state_and_parent[1])


def _resident_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            kib = int(line.split()[1])
            return kib / 1024
    return None


@contextmanager
def production_server(
    *, database_url: str, cache_url: str = "", workers: int = 4, port: int = 0
) -> Iterator[Server]:
    """gunicorn serving jifen with production settings on 127.0.0.1, stopped on exit.

    The database must exist and be migrated; ``cache_url`` names the Redis server the workers
    share (without it, production keeps no page). Static files are collected into a scratch
    directory first: production serves them hashed, and without the manifest a page that uses
    {% static %} fails. gunicorn's output goes to ``gunicorn.log`` there, shown if it does not
    start.
    """
    with tempfile.TemporaryDirectory(prefix="jifen-bench-") as scratch:
        var_dir = Path(scratch)
        environment = _production_environment(
            database_url=database_url, cache_url=cache_url, var_dir=var_dir
        )
        _collect_static(environment)
        port = port or _free_port()
        log_path = var_dir / "gunicorn.log"
        command = [sys.executable, "-m", "gunicorn", "jifen.wsgi"]
        command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
        with log_path.open("wb") as log:
            master = subprocess.Popen(
                command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(master, port=port, log_path=log_path)
            yield Server(base_url=base_url, master_pid=master.pid)
        finally:
            _stop(master)


def _production_environment(*, database_url: str, cache_url: str, var_dir: Path) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in NOT_PRODUCTION}
    environment.update(
        JIFEN_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        JIFEN_VAR_DIR=str(var_dir),
        JIFEN_CACHE_URL=cache_url,
    )
    return environment


def _collect_static(environment: dict[str, str]) -> None:
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    collected = subprocess.run(
        command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=False
    )
    if collected.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{collected.stdout}{collected.stderr}")


def _free_port() -> int:
    """A port free now. Another process could take it before gunicorn binds: then gunicorn
    fails to start and says so in its log."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_healthy(master: subprocess.Popen[bytes], *, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_seen = "no answer"
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {master.returncode}:\n{log_path.read_text('utf-8')}"
            )
        try:
            status = _healthz_status(port)
        except OSError as error:
            last_seen = str(error)
        else:
            if status == http.HTTPStatus.OK:
                return
            last_seen = f"status {status}"
        time.sleep(0.1)
    raise RuntimeError(
        f"gunicorn did not answer /healthz/ with 200 in {START_TIMEOUT:.0f} s ({last_seen}):\n"
        f"{log_path.read_text('utf-8')}"
    )


def _healthz_status(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz/", headers={"X-Forwarded-Proto": "https"})
        return connection.getresponse().status
    finally:
        connection.close()


def _stop(master: subprocess.Popen[bytes]) -> None:
    """SIGTERM, gunicorn's graceful shutdown; SIGKILL only if that hangs."""
    master.terminate()
    try:
        master.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        master.kill()
        master.wait()


# The load


@dataclass(frozen=True)
class Load:
    """What a run measured, over the window after the warm-up.

    ``requests`` counts every request that finished in the window, answered or not; ``errors``
    those not answered 200 (connection failures included); ``rps`` is requests per second. A run
    with errors measured something other than the page: check ``errors`` before using ``rps``.
    Latencies are of answered requests, from sending (connecting first when needed) to the last
    byte of the body; NaN when nothing was answered.
    """

    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Load:
        fields = json.loads(text)
        fields["statuses"] = {int(status): count for status, count in fields["statuses"].items()}
        return cls(**fields)


def hammer(
    base_url: str,
    paths: Sequence[str],
    *,
    concurrency: int = 32,
    duration: float = 10.0,
    warmup: float = 2.0,
) -> Load:
    """Load ``base_url`` with ``concurrency`` clients, each cycling through ``paths``.

    The client runs in its own process (``python -m bench.http``), so that it does not share
    an interpreter, and its lock, with the caller.
    """
    _check_load_arguments(paths, concurrency=concurrency, duration=duration, warmup=warmup)
    command = [sys.executable, "-m", "bench.http", base_url, *paths]
    command += ["--concurrency", str(concurrency), "--duration", str(duration)]
    command += ["--warmup", str(warmup)]
    finished = subprocess.run(
        command,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=warmup + duration + CLIENT_GRACE,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"the load client failed:\n{finished.stderr}")
    return Load.from_json(finished.stdout)


def scan_each_once(base_url: str, paths: Sequence[str], *, clients: int = 8) -> float:
    """Seconds to request every path once, ``clients`` at a time; each must answer 200."""
    target = Target.parse(base_url)

    def scan(path: str) -> None:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=30)
        try:
            connection.request("GET", target.prefix + path, headers={"X-Forwarded-Proto": "https"})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(scan, paths))
    return time.monotonic() - started


def _check_load_arguments(
    paths: Sequence[str], *, concurrency: int, duration: float, warmup: float
) -> None:
    if not paths or not all(path.startswith("/") for path in paths):
        raise ValueError(f"paths must be one or more absolute paths, not {list(paths)!r}")
    if concurrency < 1 or duration <= 0 or warmup < 0:
        raise ValueError("concurrency must be at least 1, duration positive, warm-up not negative")


# The client, run in the load process


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    authority: str  # the Host header
    prefix: str  # a path the site is mounted under, if any

    @classmethod
    def parse(cls, base_url: str) -> Target:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected http://host[:port], not {base_url!r}")
        return cls(parts.hostname, parts.port or 80, parts.netloc, parts.path.rstrip("/"))

    def request(self, path: str) -> bytes:
        return (
            f"GET {self.prefix}{path} HTTP/1.1\r\n"
            f"Host: {self.authority}\r\n"
            "X-Forwarded-Proto: https\r\n"
            "Accept-Language: zh-hans\r\n"
            "User-Agent: jifen-bench\r\n"
            "\r\n"
        ).encode("ascii")


class ConnectionClosed(ConnectionError):
    """The server closed the connection before it began an answer."""


@dataclass(frozen=True)
class Response:
    status: int
    keep_alive: bool


async def read_response(reader: asyncio.StreamReader) -> Response:
    """Read one response to a GET, body included, and say whether the connection stays open."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionClosed
    version, status = _parse_status_line(status_line)
    headers = await _read_headers(reader)
    if 100 <= status < 200:
        return await read_response(reader)  # an interim answer: the real one follows
    keep_alive = _keeps_alive(version, headers.get("connection", ""))
    if status in (204, 304):
        return Response(status, keep_alive)  # no body, whatever the headers say
    if "chunked" in headers.get("transfer-encoding", "").lower():
        await _read_chunked_body(reader)
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()  # the body ends when the server closes the connection
        keep_alive = False
    return Response(status, keep_alive)


def _parse_status_line(line: bytes) -> tuple[str, int]:
    version, status, *_reason = line.decode("latin-1").split(None, 2)
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1.x status line: {line!r}")
    return version, int(status)


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    """Header fields by lower-case name; repeated fields joined with commas (RFC 9110 §5.3)."""
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n"):
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        name, separator, value = line.decode("latin-1").partition(":")
        if not separator:
            raise ValueError(f"not a header field: {line!r}")
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _keeps_alive(version: str, connection: str) -> bool:
    tokens = {token.strip().lower() for token in connection.split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


async def _read_chunked_body(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readline()
        size = int(size_line.split(b";", 1)[0].strip(), 16)  # a chunk may carry extensions
        if size == 0:
            break
        await reader.readexactly(size + 2)  # the chunk and the CRLF after it
    await _read_headers(reader)  # the trailer, often empty


class Client:
    """One simulated user: one connection at a time, kept open while the server allows."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, request: bytes) -> int:
        """Send a request, read the answer, and return its status."""
        if self.connection is not None:
            try:
                return await self._exchange(request)
            except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                # A server may close an idle kept-alive connection at any time (RFC 9112
                # §9.3.1); browsers then retry on a new one, and so do we.
                pass
        self.connection = await asyncio.open_connection(self.target.host, self.target.port)
        return await self._exchange(request)

    async def _exchange(self, request: bytes) -> int:
        assert self.connection is not None
        reader, writer = self.connection
        try:
            writer.write(request)
            await writer.drain()
            response = await read_response(reader)
        except BaseException:
            self.close()
            raise
        if not response.keep_alive:
            self.close()
        return response.status

    def close(self) -> None:
        if self.connection is not None:
            self.connection[1].close()
            self.connection = None


@dataclass
class Tally:
    """What the clients saw; shared by the clients of one event loop, so needs no lock."""

    measure_from: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0

    @property
    def measure_until(self) -> float:
        return self.measure_from + self.seconds

    def counts(self, finished: float) -> bool:
        return self.measure_from <= finished <= self.measure_until

    def answered(self, status: int, *, started: float, finished: float) -> None:
        if self.counts(finished):
            self.latencies.append(finished - started)
            self.statuses[status] += 1

    def failed(self, *, finished: float) -> None:
        if self.counts(finished):
            self.failures += 1

    def load(self) -> Load:
        answered = len(self.latencies)
        requests = answered + self.failures
        latencies = sorted(self.latencies)
        return Load(
            requests=requests,
            errors=requests - self.statuses[http.HTTPStatus.OK],
            seconds=self.seconds,
            rps=requests / self.seconds,
            p50_ms=_percentile(latencies, 0.50) * 1000,
            p99_ms=_percentile(latencies, 0.99) * 1000,
            statuses=dict(sorted(self.statuses.items())),
        )


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest rank: a latency some request really had."""
    if not ordered:
        return math.nan
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


async def _run_client(client: Client, requests: list[bytes], offset: int, tally: Tally) -> None:
    """Request the paths in turn, from ``offset``, until cancelled."""
    index = offset
    while True:
        request = requests[index % len(requests)]
        index += 1
        started = time.perf_counter()
        try:
            status = await client.get(request)
        except (OSError, EOFError, ValueError):
            # Connection refused or reset, a short body, an unreadable answer: all errors.
            tally.failed(finished=time.perf_counter())
            await asyncio.sleep(FAILURE_PAUSE)
        else:
            tally.answered(status, started=started, finished=time.perf_counter())


async def run_load(
    base_url: str, paths: Sequence[str], *, concurrency: int, duration: float, warmup: float
) -> Load:
    """Run the clients for ``warmup + duration`` seconds; count what finished after warm-up."""
    target = Target.parse(base_url)
    requests = [target.request(path) for path in paths]
    clients = [Client(target) for _ in range(concurrency)]
    tally = Tally(measure_from=time.perf_counter() + warmup, seconds=duration)
    tasks = [
        asyncio.create_task(_run_client(client, requests, offset, tally))
        for offset, client in enumerate(clients)
    ]
    await asyncio.sleep(warmup + duration)
    # Requests still in flight would finish after the window: they are not waited for.
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        client.close()
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome  # a bug in the client, not a failed request
    return tally.load()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Load an HTTP server; print the Load as JSON.")
    parser.add_argument("base_url", help="http://host:port")
    parser.add_argument("paths", nargs="+", help="paths to request in turn, e.g. /healthz/")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not measured")
    arguments = parser.parse_args(argv)
    _check_load_arguments(
        arguments.paths,
        concurrency=arguments.concurrency,
        duration=arguments.duration,
        warmup=arguments.warmup,
    )
    load = asyncio.run(
        run_load(
            arguments.base_url,
            arguments.paths,
            concurrency=arguments.concurrency,
            duration=arguments.duration,
            warmup=arguments.warmup,
        )
    )
    print(load.to_json())


if __name__ == "__main__":
    main()
