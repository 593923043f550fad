"""What the fairness flags are computed from, and what their pages read.

Every gathering query is grouped: the number of queries per village does not grow with its
households or records (it grows only with the number of closes in the year, a handful).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from jifen.accounts.models import VILLAGE_CADRE_ROLES, RoleGrant
from jifen.dividends.models import DividendRound
from jifen.fairness.models import Flag, FlagReview
from jifen.ledger.models import Standing
from jifen.places.models import Place
from jifen.records.models import Record

# Records a recorder chooses to make for a household: inspection rounds pass over every
# household of a grid, deductions and corrections take points away.
CHOSEN_ROUTES = [Record.Route.RECORDED, Record.Route.PROXY]
# Records counted in bursts: everything but the scheduled inspection rounds and corrections.
BURST_EXCLUDED_ROUTES = [Record.Route.INSPECTION, Record.Route.CORRECTION]
# Records that stand on a recorder's own judgement, for the reversals: not the household's own
# declarations, and not inspection rounds, which score a whole grid in one pass.
JUDGED_ROUTES = [
    Record.Route.RECORDED,
    Record.Route.PROXY,
    Record.Route.DEDUCTION,
    Record.Route.REPORT,
]
LIVE_CORRECTION = [
    Record.Status.PENDING,
    Record.Status.ON_NOTICE,
    Record.Status.OBJECTED,
    Record.Status.POSTED,
]


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def between(field: str, first: date, last: date) -> Q:
    """``field`` (a moment) falls on one of the days from ``first`` to ``last``, both included."""
    return Q(**{f"{field}__gte": day_start(first), f"{field}__lt": day_start(last + timedelta(1))})


@dataclass(frozen=True)
class Cadre:
    household_id: int
    name: str
    role: str


def cadre_households(village: Place) -> dict[int, Cadre]:
    """The households of the village's serving cadres (by their grants and their standing)."""
    grants = (
        RoleGrant.objects.filter(
            place=village,
            role__in=VILLAGE_CADRE_ROLES,
            revoked_at__isnull=True,
            user__resident__household__village=village,
        )
        .order_by("role", "pk")
        .values_list("user__resident__household_id", "user__name", "role")
    )
    found: dict[int, Cadre] = {}
    for household_id, name, role in grants:
        found.setdefault(household_id, Cadre(household_id, name, role))
    for household_id in Standing.objects.filter(village=village, is_cadre=True).values_list(
        "household_id", flat=True
    ):
        found.setdefault(household_id, Cadre(household_id, "", ""))
    return found


def points_by_household(village: Place, first: date, last: date) -> dict[int, int]:
    """Every household at home in the village with the points posted to it in the days given
    (0 for none), corrections included."""
    households = village.households.filter(at_home=True).annotate(
        earned=Sum(
            "records__points",
            filter=Q(records__status=Record.Status.POSTED)
            & between("records__posted_at", first, last),
        )
    )
    return {pk: earned or 0 for pk, earned in households.values_list("pk", "earned")}


def chosen_record_counts(village: Place, first: date, last: date) -> dict[tuple[int, int], int]:
    """(recorder, household) → how many records adding points the recorder chose to make."""
    rows = (
        Record.objects.filter(village=village, route__in=CHOSEN_ROUTES)
        .filter(between("recorded_at", first, last))
        .values_list("recorded_by", "household")
        .annotate(made=Count("pk"))
        .order_by()
    )
    return {(recorder, household): made for recorder, household, made in rows}


def closes(village: Place, first: date, last: date) -> list[tuple[date, list[str]]]:
    """Ranking year ends and dividend periods' ends from ``first`` to ``last``, with what closes."""
    found: dict[date, list[str]] = {}
    for year in range(first.year, last.year + 1):
        end = date(year, 12, 31)
        if first <= end <= last:
            found.setdefault(end, []).append(f"ranking:{year}")
    rounds = DividendRound.objects.filter(
        village=village, period_end__gte=first, period_end__lte=last
    ).values_list("period_end", "title")
    for period_end, title in rounds:
        found.setdefault(period_end, []).append(f"dividend:{title}")
    return sorted(found.items())


@dataclass(frozen=True)
class Windows:
    close: date
    burst_first: date
    burst_last: date
    baseline_first: date
    baseline_last: date


def burst_counts(village: Place, windows: list[Windows]) -> list[tuple[int, int]]:
    """(records in the burst window, records in the baseline window) for each close: one query."""
    if not windows:
        return []
    counted = Record.objects.filter(village=village).exclude(route__in=BURST_EXCLUDED_ROUTES)
    aggregates = {}
    for n, window in enumerate(windows):
        aggregates[f"burst_{n}"] = Count(
            "pk", filter=between("recorded_at", window.burst_first, window.burst_last)
        )
        aggregates[f"baseline_{n}"] = Count(
            "pk", filter=between("recorded_at", window.baseline_first, window.baseline_last)
        )
    totals = counted.aggregate(**aggregates)
    return [(totals[f"burst_{n}"], totals[f"baseline_{n}"]) for n in range(len(windows))]


def _reversed() -> Q:
    live_correction = Record.objects.filter(corrects=OuterRef("pk"), status__in=LIVE_CORRECTION)
    return Q(status=Record.Status.VOID) | Q(Exists(live_correction))


def reversals_by_recorder(village: Place, first: date, last: date) -> dict[int, tuple[int, int]]:
    """recorder → (records judged in the days given, how many of them were reversed since)."""
    rows = (
        Record.objects.filter(village=village, route__in=JUDGED_ROUTES)
        .filter(between("recorded_at", first, last))
        .values_list("recorded_by")
        .annotate(made=Count("pk"), reversed=Count("pk", filter=_reversed()))
        .order_by()
    )
    return {recorder: (made, reversed_count) for recorder, made, reversed_count in rows}


# The records behind a flag ------------------------------------------------------------------


def posted_record_ids(village: Place, household_id: int, first: date, last: date) -> list[int]:
    return list(
        Record.objects.filter(
            village=village, household_id=household_id, status=Record.Status.POSTED
        )
        .filter(between("posted_at", first, last))
        .values_list("pk", flat=True)
    )


def chosen_record_ids(
    village: Place, recorder_id: int, household_id: int, first: date, last: date
) -> list[int]:
    return list(
        Record.objects.filter(
            village=village,
            recorded_by_id=recorder_id,
            household_id=household_id,
            route__in=CHOSEN_ROUTES,
        )
        .filter(between("recorded_at", first, last))
        .values_list("pk", flat=True)
    )


def burst_record_ids(village: Place, first: date, last: date) -> list[int]:
    return list(
        Record.objects.filter(village=village)
        .exclude(route__in=BURST_EXCLUDED_ROUTES)
        .filter(between("recorded_at", first, last))
        .values_list("pk", flat=True)
    )


def reversed_record_ids(village: Place, recorder_id: int, first: date, last: date) -> list[int]:
    return list(
        Record.objects.filter(village=village, recorded_by_id=recorder_id, route__in=JUDGED_ROUTES)
        .filter(between("recorded_at", first, last))
        .filter(_reversed())
        .values_list("pk", flat=True)
    )


# Pages --------------------------------------------------------------------------------------


def flags_of(villages: QuerySet[Place]) -> list[Flag]:
    """The flags of some villages, open first, newest first, with what their rows show."""
    return list(
        Flag.objects.filter(village__in=villages)
        .select_related("village", "household__head", "recorder", "reviewed_by")
        .annotate(record_count=Count("records"))
        .order_by("village__code", F("reviewed_at").desc(nulls_first=True), "-computed_at", "-pk")
    )


def township_villages(township: Place) -> QuerySet[Place]:
    return Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=township.path)


def flag_for_page(pk: int) -> Flag | None:
    records = Record.objects.select_related(
        "household__head", "item", "recorded_by", "reviewed_by", "corrects"
    ).order_by("recorded_at", "pk")
    return (
        Flag.objects.select_related("village__parent", "household__head", "recorder", "reviewed_by")
        .prefetch_related(
            Prefetch("records", queryset=records),
            Prefetch("reviews", queryset=FlagReview.objects.select_related("reviewed_by")),
        )
        .filter(pk=pk)
        .first()
    )
