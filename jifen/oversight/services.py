"""Scheduled work of the oversight app: verify every village's ledger and keep the outcome;
add up each finished month once, for the dashboards."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jifen.ledger.models import Checkpoint
from jifen.ledger.verify import verify_village
from jifen.oversight import queries
from jifen.oversight.models import LedgerCheck, MonthlyFigures
from jifen.oversight.queries import TREND_MONTHS, add_months, month_start
from jifen.places.models import Place


def check_ledger(*, village: Place, now: datetime | None = None) -> LedgerCheck:
    """Verify one village's ledger from its rows and store what was found."""
    now = now or timezone.now()
    latest = (
        Checkpoint.objects.filter(village=village)
        .order_by("-tree_size", "-signed_at")
        .values_list("tree_size", "signed_at")
        .first()
    )
    report = verify_village(village)
    with transaction.atomic():
        return LedgerCheck.objects.create(
            village=village,
            checked_at=now,
            entries=report.entries,
            checkpoint_tree_size=latest[0] if latest else None,
            checkpoint_signed_at=latest[1] if latest else None,
            ok=report.ok,
            problem=report.problem or "",
        )


def check_ledgers(*, now: datetime | None = None) -> int:
    """The job: verify every village's ledger, one village at a time. Returns how many were
    checked. A village whose check fails is stored as failed with the problem, and the
    dashboards show it; the others are checked all the same."""
    now = now or timezone.now()
    checked = 0
    for village in Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("code").iterator():
        check_ledger(village=village, now=now)
        checked += 1
    return checked


# A posting under way at midnight may still commit a record posted just before it: a month is
# sealed only this long after it ended.
SETTLE = timedelta(hours=1)


def seal_months(*, now: datetime | None = None) -> int:
    """The job: add up, for every village, each of the last twelve finished months not yet
    sealed (points issued by category, households taking part, records waiting at its end),
    with a fixed number of grouped queries per month. Returns how many village-months it
    sealed."""
    now = now or timezone.now()
    this_month = timezone.localdate(now).replace(day=1)
    months = [add_months(this_month, -offset) for offset in range(TREND_MONTHS, 0, -1)]
    months = [month for month in months if month_start(add_months(month, 1)) + SETTLE <= now]
    ids = list(Place.objects.filter(kind=Place.Kind.VILLAGE).values_list("pk", flat=True))
    sealed = set(queries.finished_months(ids, months))
    written = 0
    for month in months:
        missing = [village_id for village_id in ids if (village_id, month) not in sealed]
        if missing:
            written += _seal(missing, month, now)
    return written


def _seal(ids: list[int], month: date, now: datetime) -> int:
    points: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for village_id, _month, title, issued in queries.points_issued(ids, month, month):
        points[village_id][title] += issued
    taking_part = {
        village_id: count
        for village_id, _month, count in queries.households_taking_part(ids, month, month)
    }
    waiting = queries.backlog(ids, [month_start(add_months(month, 1))])
    rows = [
        MonthlyFigures(
            village_id=village_id,
            month=month,
            participating=taking_part.get(village_id, 0),
            points=dict(points[village_id]),
            awaiting_at_end=waiting.get(village_id, [0])[0],
            computed_at=now,
        )
        for village_id in ids
    ]
    with transaction.atomic():
        # Two runs at once write the same figures; the constraint keeps one row each.
        created = MonthlyFigures.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)
