"""The grouped queries behind the dashboards: each is one query, whatever the number of
villages, grouped by village (and month). Months are local: a month starts at midnight in
``TIME_ZONE`` on its first day.

Indexes relied on: ``record_village_status`` (village, status, recorded_at) for the review
queue; ``matter_village_raised`` for matters; ``ledger_check_latest`` for the latest check;
``household_unique_plate`` (village, …) for household counts; ``flag_village_reviewed`` for
flags; ``period_village_due`` for disclosures; ``place_kind_path`` for the villages of a place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jifen.fairness.models import Flag
from jifen.oversight.models import LedgerCheck, MonthlyFigures
from jifen.places.models import Household, Place
from jifen.records.models import Objection, Record
from jifen.talk.models import Matter, Rating

TREND_MONTHS = 12
ReplyAt = datetime | None


# Months --------------------------------------------------------------------------------------


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """Local midnight on the first day of ``month``."""
    return datetime(month.year, month.month, 1, tzinfo=timezone.get_current_timezone())


def trend_months(month: date) -> list[date]:
    """The twelve months ending with ``month``, oldest first."""
    return [add_months(month, offset) for offset in range(1 - TREND_MONTHS, 1)]


def month_of(value: datetime | date) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return value.replace(day=1)


# The queries ---------------------------------------------------------------------------------


def villages_of(place: Place) -> list[Place]:
    return list(
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=place.path)
        .select_related("parent")
        .order_by("parent__code", "code")
    )


def household_counts(ids: list[int]) -> dict[int, int]:
    rows = (
        Household.objects.filter(village_id__in=ids)
        .order_by()
        .values("village")
        .annotate(n=Count("pk"))
        .values_list("village", "n")
    )
    return dict(rows)


def posted_records(ids: list[int], first: date, last: date) -> QuerySet[Record]:
    """Records posted to the ledger from the start of ``first`` to the end of ``last``."""
    return Record.objects.filter(
        village_id__in=ids,
        status=Record.Status.POSTED,
        posted_at__gte=month_start(first),
        posted_at__lt=month_start(add_months(last, 1)),
    ).order_by()


def points_issued(ids: list[int], first: date, last: date) -> list[tuple[int, date, str, int]]:
    """Posted points by village, month posted and rulebook category title: one query."""
    rows = (
        posted_records(ids, first, last)
        .annotate(month=TruncMonth("posted_at"))
        .values("village", "month", "item__category__title")
        .annotate(points=Sum("points"))
        .values_list("village", "month", "item__category__title", "points")
    )
    return [(v, month_of(m), title, points or 0) for v, m, title, points in rows]


def households_taking_part(ids: list[int], first: date, last: date) -> list[tuple[int, date, int]]:
    """Households with a record posted, by village and month posted: one query."""
    rows = (
        posted_records(ids, first, last)
        .annotate(month=TruncMonth("posted_at"))
        .values("village", "month")
        .annotate(n=Count("household", distinct=True))
        .values_list("village", "month", "n")
    )
    return [(v, month_of(m), n) for v, m, n in rows]


def pending_ages(ids: list[int], today: date) -> list[tuple[int, int]]:
    """(village id, whole days waiting) of each record waiting for review now: one query
    through ``record_village_status``."""
    rows = Record.objects.filter(village_id__in=ids, status=Record.Status.PENDING).values_list(
        "village_id", "recorded_at"
    )
    zone = timezone.get_current_timezone()
    return [(village_id, (today - at.astimezone(zone).date()).days) for village_id, at in rows]


def backlog(ids: list[int], ends: Sequence[datetime]) -> dict[int, list[int]]:
    """Per village, the records waiting for review at each of the moments ``ends``: recorded
    before it and not reviewed by it. One query."""

    def waiting_at(end: datetime) -> Q:
        return Q(recorded_at__lt=end) & (Q(reviewed_at__isnull=True) | Q(reviewed_at__gte=end))

    rows = (
        Record.objects.filter(village_id__in=ids, recorded_at__lt=max(ends))
        .filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__gte=min(ends)))
        .order_by()
        .values("village")
        .annotate(**{f"m{i}": Count("pk", filter=waiting_at(end)) for i, end in enumerate(ends)})
    )
    return {row["village"]: [row[f"m{i}"] for i in range(len(ends))] for row in rows}


def objections(ids: list[int], month: date) -> dict[int, tuple[int, int]]:
    """Per village: objections raised in the month, and objections open now. One query."""
    raised = Q(raised_at__gte=month_start(month), raised_at__lt=month_start(add_months(month, 1)))
    still_open = Q(outcome=Objection.Outcome.OPEN)
    rows = (
        Objection.objects.filter(record__village_id__in=ids)
        .filter(raised | still_open)
        .order_by()
        .values("record__village")
        .annotate(raised=Count("pk", filter=raised), open=Count("pk", filter=still_open))
        .values_list("record__village", "raised", "open")
    )
    return {village_id: (raised_count, open_count) for village_id, raised_count, open_count in rows}


def matters(ids: list[int], first: date, last: date) -> list[tuple[int, date, datetime, ReplyAt]]:
    """Matters raised in the months: village, local month raised, raised at and first reply.
    One query."""
    zone = timezone.get_current_timezone()
    rows = (
        Matter.objects.filter(
            village_id__in=ids,
            raised_at__gte=month_start(first),
            raised_at__lt=month_start(add_months(last, 1)),
        )
        .order_by()
        .values_list("village_id", "raised_at", "first_reply_at")
    )
    return [
        (village_id, raised_at.astimezone(zone).date().replace(day=1), raised_at, replied_at)
        for village_id, raised_at, replied_at in rows
    ]


def ratings(ids: list[int], month: date) -> dict[int, tuple[int, int]]:
    """Per village: the number and sum of the stars given in the month. One query."""
    rows = (
        Rating.objects.filter(
            task__village_id__in=ids,
            rated_at__gte=month_start(month),
            rated_at__lt=month_start(add_months(month, 1)),
        )
        .order_by()
        .values("task__village")
        .annotate(count=Count("pk"), total=Sum("stars"))
        .values_list("task__village", "count", "total")
    )
    return {village_id: (count, total or 0) for village_id, count, total in rows}


def latest_checks(ids: list[int]) -> dict[int, LedgerCheck]:
    """The latest ledger check of each village: one query through ``ledger_check_latest``."""
    latest = (
        LedgerCheck.objects.filter(village=OuterRef("village"))
        .order_by("-checked_at", "-pk")
        .values("pk")[:1]
    )
    checks = LedgerCheck.objects.filter(village_id__in=ids, pk=Subquery(latest))
    return {check.village_id: check for check in checks}


def unreviewed_flags(ids: list[int]) -> dict[int, int]:
    rows = (
        Flag.objects.filter(village_id__in=ids, reviewed_at__isnull=True)
        .order_by()
        .values("village")
        .annotate(n=Count("pk"))
        .values_list("village", "n")
    )
    return dict(rows)


def finished_months(
    ids: list[int], months: Sequence[date]
) -> dict[tuple[int, date], MonthlyFigures]:
    """The sealed figures of these villages in these months: one query."""
    rows = MonthlyFigures.objects.filter(village_id__in=ids, month__in=list(months))
    return {(row.village_id, row.month): row for row in rows}
