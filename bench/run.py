"""``make bench SIZE=small|county``: build a county on PostgreSQL, measure it, write the results.

Each speed is measured against a baseline in the same run, on the same machine, because
absolute times drift here: the door plate against ``/healthz/`` under the same server, the
posting job against raw INSERTs of the same rows. The rest are times with targets from the
Performance issue. Results go to ``bench/results/latest.json`` and a table on stdout.

The bench builds its own database, ``jifen_bench_<size>``, on the server of ``DATABASE_URL``
(or the local cluster), so it never touches the database the URL names.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results"
LOCAL_CLUSTER = "postgres://postgres@127.0.0.1:5432/postgres"
LOCAL_CACHE = "redis://127.0.0.1:6379/0"  # unless JIFEN_CACHE_URL names another
BUILD_END = date(2026, 10, 31)  # the last day of the bench county's year, for repeatable builds


@dataclass(frozen=True)
class Target:
    key: str
    limit: float
    at_least: bool  # True: the figure must be >= limit; False: < limit

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value < self.limit

    def describe(self) -> str:
        return f"{'≥' if self.at_least else '<'} {self.limit:g}"


TARGETS = [
    Target("qr_page_vs_hello_ratio", 0.5, at_least=True),
    Target("posting_vs_insert_ratio", 0.25, at_least=True),
    Target("posting_entries_per_s", 1000, at_least=True),
    Target("rank_in_county_ms_median", 2, at_least=False),
    Target("village_ranking_ms_median", 5, at_least=False),
    Target("township_dashboard_ms", 300, at_least=False),
    Target("county_dashboard_ms", 1000, at_least=False),
    Target("import_1000_households_s", 10, at_least=False),
    Target("demo_ready_s", 90, at_least=False),
]
LOAD_LIMITS = {"small": 120.0, "county": 600.0}  # seconds, from the issue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "county"], default="small")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database built by an earlier run"
    )
    parser.add_argument("--skip-demo", action="store_true", help="do not time make demo")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    results: dict[str, Any] = {"size": args.size, "started_at": time.strftime("%FT%T%z")}
    # A new database, dropping an earlier run's (and stopping its vacuum), before anything else.
    database_url = _bench_database(args.size, reuse=args.reuse)
    if not args.skip_demo:
        # First, while the machine is quiet: PostgreSQL vacuums for minutes after the load.
        results["demo_ready_s"] = _demo_ready_s()
    os.environ["DATABASE_URL"] = database_url
    # As in production: the jobs and the web workers share the cache of kept pages.
    os.environ["JIFEN_CACHE_URL"] = os.environ.get("JIFEN_CACHE_URL") or LOCAL_CACHE
    if not args.reuse:
        results |= _build(args.size)
    results |= _verify()
    results |= _measure_in_process()
    results |= _measure_http(database_url)
    results["targets_met"] = (
        all(target.key in results and target.met(results[target.key]) for target in TARGETS)
        and results["ledger_verified"]
        and results.get("load_s", 0) < LOAD_LIMITS[args.size]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(_table(results))
    print(f"\nWritten to {args.output}")
    return 0 if results["targets_met"] else 1


# The database


def _bench_database(size: str, *, reuse: bool) -> str:
    """A fresh database for the bench on the server of DATABASE_URL (or the local cluster)."""
    server = os.environ.get("DATABASE_URL") or LOCAL_CLUSTER
    name = f"jifen_bench_{size}"
    with psycopg.connect(_with_database(server, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not reuse or not exists:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    return _with_database(server, name)


def _with_database(url: str, name: str) -> str:
    base, _, _old = url.rpartition("/")
    return f"{base}/{name}"


def _manage(*arguments: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    finished = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{finished.stderr}")
    return finished


def _build(size: str) -> dict[str, Any]:
    _say("migrating …")
    _manage("migrate", "--verbosity", "0")
    _say(f"building the {size} county …")
    started = time.monotonic()
    built = _manage("build_demo", "--size", size, "--today", BUILD_END.isoformat())
    load_s = time.monotonic() - started
    summary = [line for line in built.stderr.splitlines() if "青山县:" in line or "year" in line]
    _say("\n".join(summary))
    return {"load_s": round(load_s, 1)}


def _verify() -> dict[str, Any]:
    _say("verifying every ledger …")
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    summary = finished.stdout.strip().splitlines()[-1:] or [finished.stderr]
    _say(summary[0])
    return {
        "ledger_verified": finished.returncode == 0,
        "verify_s": round(time.monotonic() - started, 1),
    }


# In-process measurements


def _measure_in_process() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from jifen.accounts.models import Role, RoleGrant
    from jifen.ledger.models import Entry, Posting
    from jifen.ledger.ranking import position, village_ranking
    from jifen.ledger.services import post_due_records
    from jifen.oversight.services import seal_months
    from jifen.places.models import Household, Place

    results: dict[str, Any] = {}
    rng = random.Random(7)
    county = Place.objects.get(kind=Place.Kind.COUNTY)
    results["households"] = Household.objects.count()
    results["villages"] = Place.objects.filter(kind=Place.Kind.VILLAGE).count()
    results["ledger_entries"] = Entry.objects.count()

    _say("sealing the dashboards' finished months (the nightly job) …")
    started = time.monotonic()
    seal_months(now=timezone.now())
    results["seal_months_s"] = round(time.monotonic() - started, 1)

    _say("ranks …")
    ids = list(Household.objects.values_list("pk", flat=True))
    sample = Household.objects.select_related("village__parent").in_bulk(rng.sample(ids, 300))
    households = list(sample.values())
    results["rank_in_county_ms_median"] = _median_ms(
        [partial(position, household, scope="county") for household in households]
    )
    villages = list(Place.objects.filter(kind=Place.Kind.VILLAGE))
    results["village_ranking_ms_median"] = _median_ms(
        [partial(village_ranking, v) for v in rng.sample(villages, min(100, len(villages)))]
    )

    _say("dashboards …")
    township = Place.objects.filter(kind=Place.Kind.TOWNSHIP).order_by("code").first()
    assert township is not None
    for key, place, role in (
        ("township_dashboard_ms", township, Role.TOWNSHIP_ADMIN),
        ("county_dashboard_ms", county, Role.COUNTY_ADMIN),
    ):
        grant = RoleGrant.objects.filter(place=place, role=role).select_related("user").first()
        assert grant is not None
        client = Client()
        client.force_login(grant.user)
        url = reverse(f"oversight_{place.kind}", kwargs={"code": place.code})

        def fetch(client: Client = client, url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        results[key] = _median_ms([fetch] * 5)

    _say("posting the records whose notice has closed …")
    newest_posting = Posting.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.monotonic()
    post_due_records()
    posting_s = time.monotonic() - started
    posted = Entry.objects.filter(posting_id__gt=newest_posting)
    entries = posted.count()
    if entries:
        insert_s = _raw_insert_s(posted)
        results["posted_entries"] = entries
        results["posting_entries_per_s"] = round(entries / posting_s)
        results["insert_entries_per_s"] = round(entries / insert_s)
        results["posting_vs_insert_ratio"] = round(insert_s / posting_s, 3)
    else:
        _say("nothing was due for posting (a database posted by an earlier run): no figure")

    _say("importing a roster of 1,000 households …")
    results["import_1000_households_s"] = _import_1000_households(township)
    return results


def _median_ms(calls: list[Callable[[], object]]) -> float:
    """The median time of the calls, after running the first few once to warm up."""
    for call in calls[:3]:
        call()
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def _raw_insert_s(posted: Any) -> float:
    """The time to INSERT the posted entries' rows into an empty table of the same shape.

    Multi-row INSERTs of 500 rows in one transaction, as ``bulk_create`` sends them, into a table
    made ``LIKE ledger_entry INCLUDING ALL``: the same columns, defaults, checks and indexes.
    """
    from django.db import connection, transaction

    fields = [field for field in posted.model._meta.concrete_fields if not field.primary_key]
    columns = [field.column for field in fields]
    rows = list(posted.order_by("pk").values_list(*[field.attname for field in fields]))
    table = "bench_raw_entry"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (LIKE ledger_entry INCLUDING ALL)")
    names = ", ".join(columns)
    one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(batch))}",  # noqa: S608 - our names
                [value for row in batch for value in row],
            )
    elapsed = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


def _import_1000_households(township: Any) -> float:
    """Seconds to check and import a roster of 1,000 households into a new village."""
    from jifen.demo.generator import _People
    from jifen.places.models import Place
    from jifen.places.roster import ROSTER_HEADERS, group_name_for
    from jifen.places.selectors import roster_row
    from jifen.places.services import check_roster_upload, create_place, import_roster_upload

    # Another county's area code: these people must not collide with the county's own.
    people = _People(random.Random(1000), "510682", BUILD_END)
    surnames = people.surname_weights()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROSTER_HEADERS)
    for number in range(1000):
        group = number // 125 + 1
        door_plate = f"{group}-{number % 125 + 1:03d}"
        members = people.household(surnames, away=number % 5 == 0)
        for member in members:
            writer.writerow(roster_row(group_name_for(group), door_plate, members[0].name, member))
    content = buffer.getvalue().encode("utf-8-sig")
    code = f"{township.code[:9]}{900 + Place.objects.filter(parent=township).count():03d}"
    village = create_place(
        actor=None, kind=Place.Kind.VILLAGE, code=code, name="导入测试村", parent=township
    )
    started = time.monotonic()
    checked = check_roster_upload(
        actor=None, village=village, filename="roster.csv", content=content
    )
    if not checked.plan.is_valid:
        raise RuntimeError(f"the bench roster has problems: {checked.plan.problems[:3]}")
    imported = import_roster_upload(actor=None, upload=checked.upload)
    elapsed = time.monotonic() - started
    if imported.plan.households_added != 1000:
        raise RuntimeError(f"imported {imported.plan.households_added} households, not 1,000")
    return round(elapsed, 2)


# Over HTTP, under the production server


def _measure_http(database_url: str) -> dict[str, Any]:
    from bench.http import hammer, production_server, scan_each_once
    from jifen.places.models import Household

    tokens = list(Household.objects.values_list("public_token", flat=True))
    door_plates = [f"/h/{token}/" for token in random.Random(11).sample(tokens, 500)]
    _say("door plates and /healthz/ under gunicorn, 32 clients …")
    cache_url = os.environ["JIFEN_CACHE_URL"]
    with production_server(database_url=database_url, cache_url=cache_url) as server:
        hello = hammer(server.base_url, ["/healthz/"], duration=15)
        # Each plate's first scan renders and keeps it; the load then measures plates scanned
        # within the last minute, as on a village's busy day.
        first_scans_s = scan_each_once(server.base_url, door_plates)
        page = hammer(server.base_url, door_plates, duration=15)
        rss = server.rss_mb()
    for name, load in (("/healthz/", hello), ("door plates", page)):
        if load.errors:
            raise RuntimeError(f"{name}: {load.errors} errors ({load.statuses})")
    return {
        "hello_rps": round(hello.rps),
        "hello_p99_ms": round(hello.p99_ms, 1),
        "qr_page_rps": round(page.rps),
        "qr_page_p99_ms": round(page.p99_ms, 1),
        "qr_page_vs_hello_ratio": round(page.rps / hello.rps, 3),
        "qr_first_scans_per_s": round(len(door_plates) / first_scans_s),
        "web_worker_rss_mb": round(rss, 1),
    }


# make demo


def _demo_ready_s(port: int = 8765) -> float:
    """Seconds from ``make demo`` in an empty data directory to the login page answering."""
    with tempfile.TemporaryDirectory(prefix="jifen-demo-") as var_dir:
        # As a newcomer runs it: SQLite, and the cache in files under the data directory.
        outside = ("DATABASE_URL", "JIFEN_CACHE_URL")
        environment = {k: v for k, v in os.environ.items() if k not in outside}
        environment |= {"JIFEN_VAR_DIR": var_dir, "DEMO_PORT": str(port)}
        _say("make demo, timed until its login page answers …")
        started = time.monotonic()
        demo = subprocess.Popen(
            ["make", "demo"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while demo.poll() is None:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/login/", timeout=5
                    ) as response:
                        if response.status == 200:
                            return round(time.monotonic() - started, 1)
                except (urllib.error.URLError, ConnectionError):
                    pass
                time.sleep(0.5)
            raise RuntimeError(f"make demo stopped with exit code {demo.returncode}")
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=30)


# Report


def _table(results: dict[str, Any]) -> str:
    lines = [f"{'figure':<28} {'value':>12}  {'target':<10} ", "-" * 58]
    targets = {target.key: target for target in TARGETS}
    for key, value in results.items():
        if key in ("size", "started_at", "targets_met"):
            continue
        target = targets.get(key)
        verdict = ""
        if target is not None:
            verdict = f"{target.describe():<10} {'ok' if target.met(value) else 'MISSED'}"
        elif key == "load_s":
            limit = LOAD_LIMITS[results["size"]]
            verdict = f"{'< ' + format(limit, 'g'):<10} {'ok' if value < limit else 'MISSED'}"
        elif key == "ledger_verified":
            verdict = f"{'yes':<10} {'ok' if value else 'MISSED'}"
        number = isinstance(value, int | float) and not isinstance(value, bool)
        shown = f"{value:,}" if number else str(value)
        lines.append(f"{key:<28} {shown:>12}  {verdict}")
    lines.append("-" * 58)
    lines.append(f"size {results['size']}: every target met: {results['targets_met']}")
    return "\n".join(lines)


def _say(text: str) -> None:
    now = time.strftime("%H:%M:%S", time.gmtime())
    print(f"[bench {now} UTC] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
