"""Subprocess entry point for tests/ledger/test_posting_job_crash.py.

Run from the repository root as ``python -m tests.ledger.crash_worker COMMAND``, against the
database that DATABASE_URL (PostgreSQL) or JIFEN_SQLITE_PATH (SQLite) names:

- ``prepare N``: a village with three households and N records whose public notice closed two
  days ago; prints what each household must hold once everything is posted, as JSON.
- ``post-slowly``: posts the due records one by one with ``post_record``, sleeping
  CRASH_WORKER_DELAY seconds after each, so that it can be killed partway.
- ``report``: prints, as JSON, how the records and the ledger stand.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from jifen.accounts.models import Role  # noqa: E402
from jifen.core.idempotency import new_key  # noqa: E402
from jifen.ledger.models import Entry, Measure, Posting  # noqa: E402
from jifen.ledger.selectors import balances  # noqa: E402
from jifen.ledger.services import post_record  # noqa: E402
from jifen.places.models import Household  # noqa: E402
from jifen.records import services  # noqa: E402
from jifen.records.models import Record  # noqa: E402
from jifen.rules.models import Item  # noqa: E402
from tests import factories  # noqa: E402
from tests.points import actor, small_rulebook  # noqa: E402


def prepare(count: int) -> dict[str, dict[str, int]]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    county = factories.county()
    township = factories.township(county, "510681101000", "清平镇")
    village = factories.village(township, "510681101201", "桂花村")
    households = [
        factories.household(village, "1-01", "王建国"),
        factories.household(village, "1-02", "张桂英"),
        factories.household(village, "1-03", "孙奶奶", members=1),
    ]
    items = small_rulebook(village)
    grid_member = actor(
        factories.account("周网格", Role.GRID_MEMBER, village, grid=households[0].grid)
    )
    secretary = actor(factories.account("李书记", Role.SECRETARY, village))
    # Recorded and approved five days ago: the three-day notices have closed by now.
    then = timezone.now() - timedelta(days=5)
    expected = {h.door_plate: dict.fromkeys(Measure.values, 0) for h in households}
    for n in range(count):
        household = households[n % len(households)]
        item = items.base if n % 7 == 0 else items.patrol
        record = services.record_deed(
            actor=grid_member,
            household=household,
            item=item,
            occurred_on=timezone.localdate(then),
            idempotency_key=new_key(),
            now=then,
        )
        services.review_record(actor=secretary, record=record, approve=True, now=then)
        expected[household.door_plate][Measure.SCORE] += item.points
        if item.kind != Item.Kind.BASE:
            expected[household.door_plate][Measure.SPENDABLE] += item.points
    return expected


def post_slowly(delay: float) -> None:
    due = Record.objects.filter(
        status=Record.Status.ON_NOTICE, notice__closes_at__lte=timezone.now()
    ).order_by("pk")
    for record_id in list(due.values_list("pk", flat=True)):
        post_record(record_id=record_id)
        print(f"posted {record_id}", flush=True)
        time.sleep(delay)


def report() -> dict[str, Any]:
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    return {
        "records": Record.objects.count(),
        "posted": Record.objects.filter(status=Record.Status.POSTED).count(),
        "postings": Posting.objects.count(),
        "posted_twice": Posting.objects.values("record")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "posted_without_posting": Record.objects.filter(
            status=Record.Status.POSTED, posting__isnull=True
        ).count(),
        "seqs_without_gaps": seqs == list(range(1, len(seqs) + 1)),
        "balances": {h.door_plate: balances(h) for h in Household.objects.order_by("door_plate")},
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
    elif command == "post-slowly":
        post_slowly(float(os.environ.get("CRASH_WORKER_DELAY", "0.05")))
    elif command == "report":
        print(json.dumps(report()))
    else:
        sys.exit(f"unknown command {command!r}")
