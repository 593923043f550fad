"""Reads of the disclosure: timeliness for the dashboards, a village's periods with their
status, a publication with its items and history, and the township's overdue periods."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Min, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from jifen.disclosure.models import Item, Kind, Period, Publication, Question
from jifen.places.models import Place


@dataclass(frozen=True)
class Timeliness:
    """Periods falling due in one month of one village. ``due`` counts them all:
    on_time + late + overdue + those not yet due."""

    due: int
    on_time: int
    late: int
    overdue: int


def _month(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def timeliness(
    village_ids: Collection[int], *, first_month: date, last_month: date, today: date
) -> dict[tuple[int, date], Timeliness]:
    """Keyed by (village id, first day of the month the period was due), for periods due from
    ``first_month`` to the end of ``last_month``: on time when the first version was published
    (local date) on or before the due date, late when after it, overdue when not published by
    ``today`` and due before it. A version published after ``today`` counts as not yet
    published, so that looking back gives the picture as it stood. One query."""
    rows = (
        Period.objects.filter(
            village_id__in=list(village_ids),
            due_on__gte=_month(first_month),
            due_on__lte=_month_end(last_month),
        )
        .annotate(first_published_at=Min("publications__published_at"))
        .values_list("village_id", "due_on", "first_published_at")
    )
    counts: dict[tuple[int, date], list[int]] = {}
    for village_id, due_on, first_published_at in rows:
        tally = counts.setdefault((village_id, _month(due_on)), [0, 0, 0, 0])
        tally[0] += 1
        published_on = (
            timezone.localdate(first_published_at) if first_published_at is not None else None
        )
        if published_on is not None and published_on <= today:
            tally[1 if published_on <= due_on else 2] += 1
        elif due_on < today:
            tally[3] += 1
    return {key: Timeliness(*tally) for key, tally in counts.items()}


# A village's periods ------------------------------------------------------------------------


class Status:
    """How a period stands on the village's page (derived from its publications)."""

    DUE = "due"
    OVERDUE = "overdue"
    DRAFT = "draft"
    AWAITING = "awaiting"
    SIGNED_OFF = "signed_off"
    PUBLISHED = "published"
    CORRECTED = "corrected"


STATUS_LABELS: dict[str, StrOrPromise] = {
    Status.DUE: pgettext_lazy("disclosure period", "Due"),
    Status.OVERDUE: _("Overdue"),
    Status.DRAFT: _("Draft"),
    Status.AWAITING: _("Awaiting sign-off"),
    Status.SIGNED_OFF: _("Signed off, to publish"),
    Status.PUBLISHED: pgettext_lazy("status", "Published"),
    Status.CORRECTED: _("Corrected"),
}


@dataclass
class PeriodRow:
    period: Period
    published: list[Publication]  # oldest first
    draft: Publication | None
    is_overdue: bool
    status: str

    @property
    def status_label(self) -> StrOrPromise:
        return STATUS_LABELS[self.status]

    @property
    def latest(self) -> Publication | None:
        return self.published[-1] if self.published else None


def _row(period: Period, today: date) -> PeriodRow:
    versions = list(period.publications.all())
    published = [p for p in versions if p.published_at is not None]
    draft = next((p for p in versions if p.published_at is None), None)
    is_overdue = not published and period.due_on < today
    if len(published) > 1:
        status = Status.CORRECTED
    elif published:
        status = Status.PUBLISHED
    elif draft is not None and draft.status == Publication.Status.SUBMITTED:
        status = Status.AWAITING
    elif draft is not None and draft.status == Publication.Status.SIGNED_OFF:
        status = Status.SIGNED_OFF
    elif draft is not None:
        status = Status.DRAFT
    else:
        status = Status.OVERDUE if is_overdue else Status.DUE
    return PeriodRow(period, published, draft, is_overdue, status)


def _with_versions(periods: QuerySet[Period]) -> QuerySet[Period]:
    versions = Publication.objects.only(
        "pk", "period_id", "version", "status", "published_at", "title"
    ).order_by("version")
    return periods.prefetch_related(Prefetch("publications", queryset=versions))


@dataclass
class KindRows:
    kind: str
    label: StrOrPromise
    rows: list[PeriodRow] = field(default_factory=list)


def village_periods(village: Place, *, today: date, years: int = 2) -> list[KindRows]:
    """The village's periods of the last ``years`` years by kind, newest first. Two queries."""
    since = date(today.year - years, 1, 1)
    periods = _with_versions(
        Period.objects.filter(village=village, starts_on__gte=since, starts_on__lte=today)
    ).order_by("-starts_on", "-pk")
    grouped = {kind: KindRows(kind, label) for kind, label in Kind.choices}
    for period in periods:
        grouped[period.kind].rows.append(_row(period, today))
    return list(grouped.values())


@dataclass
class VillageOverdue:
    village: Place
    overdue: list[PeriodRow]
    awaiting: int


def township_overdue(township: Place, *, today: date) -> list[VillageOverdue]:
    """Per village of the township: its overdue periods, and how many wait for sign-off."""
    villages = list(Place.objects.filter(parent=township, kind=Place.Kind.VILLAGE).order_by("code"))
    periods = _with_versions(
        Period.objects.filter(village__in=villages, due_on__gte=date(today.year - 2, 1, 1))
        .exclude(publications__published_at__isnull=False)
        .order_by("due_on", "pk")
    )
    found: dict[int, VillageOverdue] = {v.pk: VillageOverdue(v, [], 0) for v in villages}
    for period in periods:
        row = _row(period, today)
        if row.is_overdue:
            found[period.village_id].overdue.append(row)
        if row.status == Status.AWAITING:
            found[period.village_id].awaiting += 1
    return list(found.values())


# A publication ------------------------------------------------------------------------------


def publication_for_page(pk: int) -> Publication | None:
    """The publication with its period, village, people, and items with their questions."""
    questions = Question.objects.select_related("matter").order_by("asked_at")
    items = Item.objects.order_by("position").prefetch_related(
        Prefetch("questions", queryset=questions)
    )
    return (
        Publication.objects.select_related(
            "period__village__parent", "drafted_by", "signed_off_by", "published_by", "returned_by"
        )
        .prefetch_related(Prefetch("items", queryset=items))
        .filter(pk=pk)
        .first()
    )


def versions_of(period: Period) -> list[Publication]:
    return list(
        Publication.objects.filter(period=period)
        .select_related("signed_off_by", "published_by")
        .order_by("version")
    )


def superseded_by(publication: Publication, versions: Sequence[Publication]) -> Publication | None:
    """The published version that replaced this one, if any: derived, never stored."""
    if not publication.is_published:
        return None
    later = [p for p in versions if p.published_at is not None and p.version > publication.version]
    return later[0] if later else None


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    before: Item | None
    after: Item | None


def changes(corrected: Publication, correction: Publication) -> list[Change]:
    """What the correction changed, line by line (lines carry the line they were copied from)."""
    old = {item.pk: item for item in corrected.items.all()}
    found: list[Change] = []
    kept: set[int] = set()
    for item in correction.items.all():
        source = old.get(item.copied_from_id) if item.copied_from_id else None
        if source is None:
            found.append(Change("added", None, item))
            continue
        kept.add(source.pk)
        if _fields(source) != _fields(item):
            found.append(Change("changed", source, item))
    found += [Change("removed", item, None) for pk, item in old.items() if pk not in kept]
    return found


def _fields(item: Item) -> tuple[object, ...]:
    return (
        item.title,
        item.text,
        item.occurred_on,
        item.direction,
        item.amount,
        item.voucher,
        item.attachment.name,
    )


def awaiting_sign_off(village: Place) -> list[Publication]:
    return list(
        Publication.objects.filter(period__village=village, status=Publication.Status.SUBMITTED)
        .select_related("period", "drafted_by")
        .order_by("submitted_at")
    )
