"""The posting job killed with SIGKILL partway leaves every record posted once or not at all,
and the next run of the real job posts the rest (DOMAIN.md §4: posting is automatic).

Everything runs in subprocesses against a database they can all see: on PostgreSQL the test
database itself, on SQLite a temporary file (the test database there is in memory). The
subprocesses are tests/ledger/crash_worker.py and manage.py.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
RECORDS = 200


@dataclass
class Database:
    environment: dict[str, str]
    count_postings: Callable[[], int]
    # Whether another connection holds a write transaction on the ledger right now.
    is_being_written: Callable[[], bool]

    def run(self, *command: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *command],
            cwd=REPO,
            env={**self.environment, **extra},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def start(self, *command: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, *command],
            cwd=REPO,
            env={**self.environment, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def worker(self, *arguments: str) -> Any:
        done = self.run("-m", "tests.ledger.crash_worker", *arguments)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def database(tmp_path: Path) -> Database:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "JIFEN_SQLITE_PATH"}
    }
    environment["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
    if connection.vendor == "postgresql":
        # pytest-django's test database, already migrated; this test commits (transaction=True),
        # so what the subprocesses write is visible here, and flushed afterwards.
        db = connection.settings_dict
        login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        port = f":{db['PORT']}" if db["PORT"] else ""
        environment["DATABASE_URL"] = f"postgres://{login}@{db['HOST']}{port}/{db['NAME']}"

        def count_postings() -> int:
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM ledger_posting")
                return int(cursor.fetchone()[0])

        def chain_locked() -> bool:
            # Posting locks the village's chain head row (SELECT … FOR UPDATE) first.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM pg_locks WHERE pid <> pg_backend_pid()"
                    " AND relation = 'ledger_chainhead'::regclass"
                )
                return bool(cursor.fetchone()[0])

        return Database(environment, count_postings, chain_locked)

    path = tmp_path / "crash.sqlite3"
    environment["JIFEN_SQLITE_PATH"] = str(path)

    def count_sqlite_postings() -> int:
        with closing(sqlite3.connect(path, timeout=20)) as db:
            return int(db.execute("SELECT COUNT(*) FROM ledger_posting").fetchone()[0])

    def write_locked() -> bool:
        # Every write transaction begins IMMEDIATE (see settings), taking the write lock.
        with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as db:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            db.execute("ROLLBACK")
            return False

    database = Database(environment, count_sqlite_postings, write_locked)
    migrated = database.run("manage.py", "migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    return database


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def killed(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


def assert_consistent(state: dict[str, Any], posted: int) -> None:
    """``posted`` records posted, each exactly once, and the chain without gaps."""
    assert (state["posted"], state["postings"]) == (posted, posted)
    assert (state["posted_twice"], state["posted_without_posting"]) == (0, 0)
    assert state["seqs_without_gaps"]


def test_the_posting_job_killed_partway_posts_every_record_once_on_the_next_run(
    database: Database,
) -> None:
    expected = database.worker("prepare", str(RECORDS))
    assert database.count_postings() == 0

    # A worker that posts one record at a time, slowed down, killed a quarter of the way in.
    slow = database.start(
        "-m", "tests.ledger.crash_worker", "post-slowly", CRASH_WORKER_DELAY="0.02"
    )
    try:
        wait_for(
            lambda: slow.poll() is not None or database.count_postings() >= RECORDS // 4,
            seconds=120,
        )
        assert slow.poll() is None, slow.stderr.read() if slow.stderr else "the worker stopped"
    finally:
        killed(slow)
    assert slow.returncode == -signal.SIGKILL
    partway = database.count_postings()
    assert 0 < partway < RECORDS
    assert_consistent(database.worker("report"), partway)
    verified = database.run("manage.py", "verify_ledger")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The real job, killed as soon as it is seen writing (if it is not done by then):
    # whatever it committed stays, once; what it had not, is not there at all.
    job = database.start("manage.py", "run_jobs", "--once")
    wait_for(lambda: job.poll() is not None or database.is_being_written(), seconds=120)
    killed(job)
    after_kill = database.count_postings()
    assert partway <= after_kill <= RECORDS
    assert_consistent(database.worker("report"), after_kill)

    # The real job, to the end: the rest is posted, nothing twice, and the ledger verifies.
    finished = database.run("manage.py", "run_jobs", "--once")
    assert finished.returncode == 0, finished.stderr
    if after_kill < RECORDS:
        assert f"posted {RECORDS - after_kill} records" in finished.stdout
    state = database.worker("report")
    assert_consistent(state, RECORDS)
    assert state["records"] == RECORDS
    assert state["balances"] == expected
    verified = database.run("manage.py", "verify_ledger")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "ok 510681101201 桂花村" in verified.stdout
