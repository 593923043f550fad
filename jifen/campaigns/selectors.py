"""Reads: a campaign's progress per group and grid, the candidates for a board, and the entries
a list shows today (a black-list entry stops showing after its expiry date)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.campaigns.models import Board, Campaign, Entry, Inspection, Round
from jifen.places.models import Grid, Household, Place, VillagerGroup
from jifen.records.models import Record
from jifen.rules.models import VillageSettings

# How many households the monthly red list proposes; equal totals at the boundary all go on.
RED_LIST_SIZE = 10


def lists_visibility(village: Place) -> str:
    found = (
        VillageSettings.objects.filter(village=village)
        .values_list("lists_visibility", flat=True)
        .first()
    )
    return found or VillageSettings.ListsVisibility.VILLAGE


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


# Progress ----------------------------------------------------------------------------------


@dataclass
class Tally:
    households: int = 0
    inspected: int = 0
    passed: int = 0
    failed: int = 0

    @property
    def waiting(self) -> int:
        return self.households - self.inspected


@dataclass
class ProgressRow:
    label: str
    rounds: list[Tally]
    # For the campaign: each household counted by its latest inspection.
    campaign: Tally = field(default_factory=Tally)


@dataclass
class Progress:
    rounds: list[Round]
    by_group: list[ProgressRow]
    by_grid: list[ProgressRow]
    total: ProgressRow


def campaign_progress(campaign: Campaign) -> Progress:
    """Households to inspect, inspected, passed and failed, per round and for the campaign, per
    villager group and per grid. Five queries, whatever the number of households."""
    village_id = campaign.village_id
    rounds = list(Round.objects.filter(campaign=campaign).order_by("number"))
    groups = list(VillagerGroup.objects.filter(village_id=village_id).order_by("number", "name"))
    grids = list(Grid.objects.filter(village_id=village_id).order_by("name"))
    households = list(
        Household.objects.filter(village_id=village_id).values_list("pk", "group_id", "grid_id")
    )
    results = Inspection.objects.filter(round__campaign=campaign).values_list(
        "household_id", "round__number", "passed"
    )
    by_household: dict[int, dict[int, bool]] = defaultdict(dict)
    for household_id, number, passed in results:
        by_household[household_id][number] = passed
    index = {r.number: n for n, r in enumerate(rounds)}

    def row(label: str) -> ProgressRow:
        return ProgressRow(label=label, rounds=[Tally() for _ in rounds])

    group_rows = {g.pk: row(g.name) for g in groups}
    grid_rows: dict[int | None, ProgressRow] = {g.pk: row(g.name) for g in grids}
    total = row(_("Whole village"))
    for household_id, group_id, grid_id in households:
        if grid_id not in grid_rows:
            grid_rows[grid_id] = row(_("No grid"))
        found = by_household.get(household_id, {})
        for target in (group_rows[group_id], grid_rows[grid_id], total):
            target.campaign.households += 1
            for tally in target.rounds:
                tally.households += 1
            for number, passed in found.items():
                _count(target.rounds[index[number]], passed)
            if found:
                _count(target.campaign, found[max(found)])
    return Progress(
        rounds=rounds,
        by_group=list(group_rows.values()),
        by_grid=list(grid_rows.values()),
        total=total,
    )


def _count(tally: Tally, passed: bool) -> None:
    tally.inspected += 1
    if passed:
        tally.passed += 1
    else:
        tally.failed += 1


def round_households(
    round_: Round, grid_id: int | None
) -> list[tuple[Household, Inspection | None]]:
    """The households a round inspects (one grid's, or all), each with its result so far."""
    households = Household.objects.filter(village_id=round_.campaign.village_id)
    if grid_id is not None:
        households = households.filter(grid_id=grid_id)
    households = households.select_related("head", "group", "grid").order_by(
        "group__number", "door_plate", "pk"
    )
    done = {
        inspection.household_id: inspection
        for inspection in Inspection.objects.filter(round=round_).prefetch_related("failed_items")
    }
    return [(household, done.get(household.pk)) for household in households]


def open_rounds(campaign: Campaign, today: date) -> list[Round]:
    return [r for r in campaign.rounds.all() if r.is_open_on(today)]


# Candidates --------------------------------------------------------------------------------


@dataclass
class Candidate:
    household: Household
    colour: str
    reason: str
    records: list[Record] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)


def _is_deduction(record: Record) -> bool:
    return record.points < 0 and record.route != Record.Route.CORRECTION


def month_candidates(village: Place, month: date) -> list[Candidate]:
    """Red: the households with the highest posted points of the month (ties at the boundary
    included); black: the households with a posted deduction in the month. A household with a
    deduction is not proposed for the red list."""
    records = list(
        Record.objects.filter(
            village=village,
            status=Record.Status.POSTED,
            posted_at__gte=_local_midnight(month),
            posted_at__lt=_local_midnight(next_month(month)),
        )
        .select_related("household__head", "item")
        .order_by("household_id", "occurred_on", "pk")
    )
    by_household: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_household[record.household_id].append(record)
    black: list[Candidate] = []
    totals: list[tuple[int, Household, list[Record]]] = []
    for found in by_household.values():
        household = found[0].household
        deductions = [r for r in found if _is_deduction(r)]
        if deductions:
            reason = _("Points deducted in %(month)s: %(what)s") % {
                "month": f"{month:%Y-%m}",
                "what": "; ".join(
                    f"{r.item.title} {r.points:+d} ({r.occurred_on:%m-%d})" for r in deductions
                ),
            }
            black.append(Candidate(household, Entry.Colour.BLACK, reason[:300], deductions))
            continue
        points = sum(r.points for r in found)
        if points > 0:
            totals.append((points, household, found))
    totals.sort(key=lambda t: (-t[0], t[1].door_plate))
    red: list[Candidate] = []
    for points, household, found in totals:
        if len(red) >= RED_LIST_SIZE and points < totals[RED_LIST_SIZE - 1][0]:
            break
        reason = _("Earned %(points)d points in %(month)s") % {
            "points": points,
            "month": f"{month:%Y-%m}",
        }
        red.append(Candidate(household, Entry.Colour.RED, reason, found))
    return red + sorted(black, key=lambda c: c.household.door_plate)


def campaign_candidates(campaign: Campaign, today: date) -> list[Candidate]:
    """Red: the households that passed every round begun so far; black: those that failed the
    latest round begun."""
    rounds = [r for r in Round.objects.filter(campaign=campaign) if r.starts_on <= today]
    if not rounds:
        return []
    latest = max(r.number for r in rounds)
    inspections = (
        Inspection.objects.filter(round__in=rounds)
        .select_related("household__head", "round")
        .prefetch_related("failed_items")
        .order_by("household__door_plate", "round__number")
    )
    by_household: dict[int, list[Inspection]] = defaultdict(list)
    for inspection in inspections:
        by_household[inspection.household_id].append(inspection)
    red: list[Candidate] = []
    black: list[Candidate] = []
    for found in by_household.values():
        household = found[0].household
        last = found[-1]
        if last.round.number == latest and not last.passed:
            what = "、".join(item.title for item in last.failed_items.all())
            reason = _("Failed round %(number)d of %(campaign)s: %(what)s") % {
                "number": latest,
                "campaign": campaign.title,
                "what": "; ".join(part for part in (what, last.note) if part),
            }
            black.append(Candidate(household, Entry.Colour.BLACK, reason[:300], [], [last]))
        elif len(found) == len(rounds) and all(i.passed for i in found):
            reason = _("Passed every round of %(campaign)s (%(count)d)") % {
                "campaign": campaign.title,
                "count": len(rounds),
            }
            red.append(Candidate(household, Entry.Colour.RED, reason, [], found))
    return red + black


# What the lists show -----------------------------------------------------------------------


def shown(entries: QuerySet[Entry], today: date) -> QuerySet[Entry]:
    """Entries of confirmed boards, not withdrawn, and (black) not past their expiry date."""
    return entries.filter(
        Q(colour=Entry.Colour.RED) | Q(expires_on__gte=today),
        board__status=Board.Status.CONFIRMED,
        withdrawn_at__isnull=True,
    )


def black_list_now(village: Place, today: date) -> list[Entry]:
    return list(
        shown(Entry.objects.filter(board__village=village, colour=Entry.Colour.BLACK), today)
        .select_related("household__head", "board__campaign")
        .order_by("-board__confirmed_at", "household__door_plate")
    )


def confirmed_boards(village: Place) -> list[Board]:
    return list(
        Board.objects.filter(village=village, status=Board.Status.CONFIRMED)
        .select_related("campaign")
        .order_by("-month", "-confirmed_at", "-pk")
    )


def drafts(village: Place) -> list[Board]:
    return list(
        Board.objects.filter(village=village, status=Board.Status.DRAFT)
        .select_related("campaign")
        .order_by("-created_at")
    )


def board_entries(board: Board, today: date, *, with_basis: bool = False) -> list[Entry]:
    """A confirmed board's entries as a list shows them; a draft's entries all, for the editor
    (with the records and inspections behind them)."""
    entries = Entry.objects.filter(board=board)
    if board.is_confirmed:
        entries = shown(entries, today)
    entries = entries.select_related("household__head").order_by(
        "colour", "household__door_plate", "pk"
    )
    if with_basis:
        entries = entries.prefetch_related(
            Prefetch("records", queryset=Record.objects.select_related("item").order_by("pk")),
            Prefetch(
                "inspections",
                queryset=Inspection.objects.select_related("round")
                .prefetch_related("failed_items")
                .order_by("round__number"),
            ),
        )
    return list(entries)


def split(entries: Iterable[Entry]) -> tuple[list[Entry], list[Entry]]:
    found = list(entries)
    return (
        [e for e in found if e.colour == Entry.Colour.RED],
        [e for e in found if e.colour == Entry.Colour.BLACK],
    )


def withdrawn_entries(board: Board) -> list[Entry]:
    return list(
        Entry.objects.filter(board=board, withdrawn_at__isnull=False)
        .select_related("household__head")
        .order_by("withdrawn_at")
    )


def board_title(board: Board) -> str:
    if board.kind == Board.Kind.MONTH and board.month is not None:
        return _("Red and black list of %(month)s") % {"month": f"{board.month:%Y-%m}"}
    assert board.campaign is not None
    return _("Red and black list of %(campaign)s") % {"campaign": board.campaign.title}


def household_name(household: Household) -> str:
    """A household as lists name it: door plate and head's name (never phone or ID numbers)."""
    head = household.head
    return f"{household.door_plate} {head.name}" if head else household.door_plate


def village_campaigns(village: Place) -> Sequence[Campaign]:
    return list(
        Campaign.objects.filter(village=village).prefetch_related("rounds").order_by("-starts_on")
    )
