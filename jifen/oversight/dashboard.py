"""The figures of the township and county dashboards: the one place they are computed.

Every figure comes from a fixed number of grouped queries (``queries.py``: GROUP BY village,
or village and month), whatever the number of villages; rollups (a township, the whole area)
are added up in Python from the same rows, never by querying per village. Months that are over
and were sealed by the job ``seal_months`` are read from ``MonthlyFigures``; the rest is counted
live. Shares are whole per cents as Decimals (``jifen.talk.selectors.per_cent``); points are
integers. No floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from jifen.disclosure.selectors import Timeliness, timeliness
from jifen.oversight import queries
from jifen.oversight.models import LedgerCheck
from jifen.oversight.queries import ReplyAt, add_months, month_start, trend_months
from jifen.places.models import Place
from jifen.talk.selectors import (
    RatingSummary,
    ReplyFigures,
    median_seconds,
    per_cent,
    reply_figures,
)

ReplyRow = tuple[datetime, ReplyAt]


# Figures for a village or a group of villages ------------------------------------------------


@dataclass
class Tally:
    """What is added up for one village, one township or the whole area in one month."""

    villages: int = 0
    households: int = 0
    participating: int = 0
    points: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending_ages: list[int] = field(default_factory=list)
    objections_raised: int = 0
    objections_open: int = 0
    replies: list[ReplyRow] = field(default_factory=list)
    rating_count: int = 0
    rating_total: int = 0
    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    flags: int = 0
    ledgers_ok: int = 0
    ledgers_failed: int = 0

    def add(self, other: Tally) -> None:
        for name in (
            "villages",
            "households",
            "participating",
            "objections_raised",
            "objections_open",
            "rating_count",
            "rating_total",
            "due",
            "on_time",
            "late",
            "overdue",
            "flags",
            "ledgers_ok",
            "ledgers_failed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for title, points in other.points.items():
            self.points[title] += points
        self.pending_ages.extend(other.pending_ages)
        self.replies.extend(other.replies)


@dataclass(frozen=True)
class Figures:
    """The dashboard's figures for one village, township or area in the chosen month."""

    households: int
    participating: int
    points: dict[str, int]
    awaiting: int
    oldest_days: int | None
    median_days: int | None
    objections_raised: int
    objections_open: int
    replies: ReplyFigures
    ratings: RatingSummary
    timeliness: Timeliness
    flags: int
    villages: int
    ledgers_ok: int
    ledgers_failed: int

    @property
    def participation(self) -> Decimal | None:
        """Per cent of the households with a posted record in the month, whole."""
        return per_cent(self.participating, self.households)

    @property
    def points_total(self) -> int:
        return sum(self.points.values())

    @property
    def ledgers_unchecked(self) -> int:
        return self.villages - self.ledgers_ok - self.ledgers_failed


def figures_of(tally: Tally, now: datetime) -> Figures:
    ages = tally.pending_ages
    median = median_seconds(ages)  # a plain integer median, halves rounded down: here days
    return Figures(
        households=tally.households,
        participating=tally.participating,
        points=dict(tally.points),
        awaiting=len(ages),
        oldest_days=max(ages) if ages else None,
        median_days=median,
        objections_raised=tally.objections_raised,
        objections_open=tally.objections_open,
        replies=reply_figures(tally.replies, now),
        ratings=RatingSummary(count=tally.rating_count, total=tally.rating_total),
        timeliness=Timeliness(
            due=tally.due, on_time=tally.on_time, late=tally.late, overdue=tally.overdue
        ),
        flags=tally.flags,
        villages=tally.villages,
        ledgers_ok=tally.ledgers_ok,
        ledgers_failed=tally.ledgers_failed,
    )


@dataclass(frozen=True)
class VillageRow:
    village: Place
    figures: Figures
    ledger: LedgerCheck | None


@dataclass(frozen=True)
class TownshipRow:
    township: Place
    figures: Figures


@dataclass(frozen=True)
class MonthRow:
    """The area in one month of the trend."""

    month: date
    households: int
    participating: int
    points: dict[str, int]
    awaiting: int  # records waiting for review at the end of the month (or now)
    replies: ReplyFigures

    @property
    def participation(self) -> Decimal | None:
        return per_cent(self.participating, self.households)

    @property
    def points_total(self) -> int:
        return sum(self.points.values())


@dataclass(frozen=True)
class Dashboard:
    place: Place
    month: date
    now: datetime
    villages: list[VillageRow]
    townships: list[TownshipRow]
    total: Figures
    categories: list[str]
    trend: list[MonthRow]


# The dashboard -------------------------------------------------------------------------------


def live_months(ids: list[int], months: list[date], sealed: set[tuple[int, date]]) -> list[date]:
    """The months from the first one not sealed for every village to the end: counted live."""
    for index, month in enumerate(months):
        if any((village_id, month) not in sealed for village_id in ids):
            return months[index:]
    return []


def dashboard(place: Place, month: date, *, now: datetime | None = None) -> Dashboard:
    """The dashboard of a township or county for ``month`` (its first day), with the twelve
    months ending with it. A fixed number of queries, whatever the number of villages."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    months = trend_months(month)
    villages = queries.villages_of(place)
    ids = [village.pk for village in villages]
    tallies = {village.pk: Tally(villages=1) for village in villages}
    by_month: dict[date, Tally] = defaultdict(Tally)
    backlog: dict[date, int] = defaultdict(int)
    for village_id, count in queries.household_counts(ids).items():
        tallies[village_id].households = count
    pending = queries.pending_ages(ids, today)
    for village_id, days in pending:
        tallies[village_id].pending_ages.append(days)

    finished = queries.finished_months(ids, months)
    live = live_months(ids, months, set(finished))
    for (village_id, sealed_month), figures in finished.items():
        if sealed_month in live:
            continue
        by_month[sealed_month].participating += figures.participating
        backlog[sealed_month] += figures.awaiting_at_end
        for title, points in figures.points.items():
            by_month[sealed_month].points[title] += points
            if sealed_month == month:
                tallies[village_id].points[title] += points
        if sealed_month == month:
            tallies[village_id].participating = figures.participating
    if live:
        for village_id, posted_in, title, points in queries.points_issued(ids, live[0], month):
            by_month[posted_in].points[title] += points
            if posted_in == month:
                tallies[village_id].points[title] += points
        for village_id, posted_in, count in queries.households_taking_part(ids, live[0], month):
            by_month[posted_in].participating += count
            if posted_in == month:
                tallies[village_id].participating = count
        # Waiting at the end of each month that is over; for the month under way, now.
        over = [each for each in live if month_start(add_months(each, 1)) <= now]
        if over:
            ends = [month_start(add_months(each, 1)) for each in over]
            for counts in queries.backlog(ids, ends).values():
                for each, count in zip(over, counts, strict=True):
                    backlog[each] += count
        for each in live:
            if each not in over:
                backlog[each] = len(pending)

    for village_id, (raised, still_open) in queries.objections(ids, month).items():
        tallies[village_id].objections_raised = raised
        tallies[village_id].objections_open = still_open
    for village_id, raised_in, raised_at, first_reply_at in queries.matters(ids, months[0], month):
        by_month[raised_in].replies.append((raised_at, first_reply_at))
        if raised_in == month:
            tallies[village_id].replies.append((raised_at, first_reply_at))
    for village_id, (count, stars) in queries.ratings(ids, month).items():
        tallies[village_id].rating_count, tallies[village_id].rating_total = count, stars
    for (village_id, _due_in), found in timeliness(
        ids, first_month=month, last_month=month, today=today
    ).items():
        tally = tallies[village_id]
        tally.due, tally.on_time = found.due, found.on_time
        tally.late, tally.overdue = found.late, found.overdue
    checks = queries.latest_checks(ids)
    for village_id, check in checks.items():
        tallies[village_id].ledgers_ok = int(check.ok)
        tallies[village_id].ledgers_failed = int(not check.ok)
    for village_id, count in queries.unreviewed_flags(ids).items():
        tallies[village_id].flags = count
    return _assemble(place, month, now, villages, tallies, by_month, backlog, checks)


def _assemble(
    place: Place,
    month: date,
    now: datetime,
    villages: list[Place],
    tallies: dict[int, Tally],
    by_month: dict[date, Tally],
    backlog: dict[date, int],
    checks: dict[int, LedgerCheck],
) -> Dashboard:
    total = Tally()
    per_township: dict[int, Tally] = {}
    townships: dict[int, Place] = {}
    for village in villages:
        total.add(tallies[village.pk])
        per_township.setdefault(village.parent_id or 0, Tally()).add(tallies[village.pk])
        if village.parent is not None:
            townships.setdefault(village.parent.pk, village.parent)
    trend = [
        MonthRow(
            month=each,
            households=total.households,
            participating=by_month[each].participating,
            points=dict(by_month[each].points),
            awaiting=backlog[each],
            replies=reply_figures(by_month[each].replies, now),
        )
        for each in trend_months(month)
    ]
    return Dashboard(
        place=place,
        month=month,
        now=now,
        villages=[
            VillageRow(
                village=village,
                figures=figures_of(tallies[village.pk], now),
                ledger=checks.get(village.pk),
            )
            for village in villages
        ],
        townships=[
            TownshipRow(township=township, figures=figures_of(per_township[pk], now))
            for pk, township in townships.items()
        ]
        if place.kind == Place.Kind.COUNTY
        else [],
        total=figures_of(total, now),
        categories=_categories(by_month.values()),
        trend=trend,
    )


def _categories(tallies: Iterable[Tally]) -> list[str]:
    """Category titles, the most points issued first (then by title), for a stable order."""
    sums: dict[str, int] = defaultdict(int)
    for tally in tallies:
        for title, points in tally.points.items():
            sums[title] += abs(points)
    return sorted(sums, key=lambda title: (-sums[title], title))
