"""A year of points activity for the demo county, written through the service layer.

Every record takes a real route — declared, recorded, on the household's behalf, inspected,
deducted, reported by a neighbour, corrected — and is reviewed, announced, objected to now
and then, and posted by the same job that runs in production; checkpoints are signed daily.
The clock is simulated: each service is called with the ``now`` of the day it happens.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role, RoleGrant
from jifen.core.idempotency import new_key
from jifen.demo.campaigns import add_campaigns
from jifen.demo.disclosure import add_disclosure
from jifen.demo.fairness import Favouritism, add_fairness
from jifen.demo.talk import add_talk
from jifen.demo.uses import Supermarkets, add_bank, add_dividend_round
from jifen.ledger.services import create_due_checkpoints, post_due_records
from jifen.oversight.services import check_ledgers, seal_months
from jifen.places.models import Grid, Household, Place
from jifen.records import services as records
from jifen.records.models import Record
from jifen.rules import services as rules
from jifen.rules.catalogue import GENERAL, INDUSTRY
from jifen.rules.models import Item, RulebookVersion, VillageSettings

T = TypeVar("T")

REJECTIONS = ["照片看不清，请补充", "与实际情况不符", "同一事项已登记", "不属于本细则加分范围"]
OBJECTIONS = ["那天他家没有参加劳动", "分数偏高，请村委会核实", "这件事是别人做的"]
DESCRIPTIONS = [
    "参加村里组织的义务劳动",
    "帮邻居抢收稻谷",
    "清理房前屋后杂物",
    "参加村民会议",
    "夜间治安巡逻",
    "调解邻里纠纷",
]


@dataclass(frozen=True)
class ActivitySize:
    records_per_week: int  # per ordinary village
    showcase_records_per_week: int

    @classmethod
    def default(cls) -> ActivitySize:
        return cls(records_per_week=2, showcase_records_per_week=15)

    @classmethod
    def tiny(cls) -> ActivitySize:
        return cls(records_per_week=1, showcase_records_per_week=4)


@dataclass
class _Village:
    place: Place
    version: RulebookVersion
    recorder: Actor
    reviewer: Actor
    second_reviewer: Actor
    households: list[Household]
    grids: list[tuple[Grid, Actor]]
    villagers: list[tuple[Actor, Household]]
    positive: list[Item]
    declarable: list[Item]
    deductions: list[Item]
    inspection_items: list[Item]


def _actor(place: Place, role: str) -> Actor | None:
    grant = (
        RoleGrant.objects.filter(place=place, role=role, revoked_at__isnull=True)
        .select_related("user__resident", "place", "grid")
        .order_by("pk")
        .first()
    )
    return Actor(user=grant.user, grant=grant, ip_address="127.0.0.1") if grant else None


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _prepare(
    village: Place, catalogue_version: RulebookVersion, start: date, showcase: bool
) -> _Village:
    draft = rules.copy_template(actor=None, village=village, template_version=catalogue_version)
    version = rules.adopt_version(
        actor=None,
        version=draft,
        meeting=f"{start.year}年1月村民会议",
        adopted_on=start,
        vote_result="应到 312 户，实到 268 户；同意 251，反对 9，弃权 8",
    )
    rules.update_village_settings(
        actor=None,
        village=village,
        notice_days=5 if showcase else 3,
        score_visibility=VillageSettings.Visibility.PUBLIC
        if showcase
        else VillageSettings.Visibility.VILLAGE,
        separate_cadre_pool=False,
        separate_absent_pool=showcase,
    )
    secretary = _actor(village, Role.SECRETARY)
    committee = _actor(village, Role.COMMITTEE_MEMBER)
    assert secretary is not None and committee is not None
    grids = [
        (grant.grid, Actor(user=grant.user, grant=grant))
        for grant in RoleGrant.objects.filter(
            place=village, role=Role.GRID_MEMBER, grid__isnull=False
        ).select_related("grid", "user__resident", "place")
    ]
    # The villagers with accounts who are not cadres: they declare, object and report.
    cadres = RoleGrant.objects.filter(place=village, role__in=VILLAGE_CADRE_ROLES).values("user")
    villager_grants = (
        RoleGrant.objects.filter(place=village, role__in=[Role.HOUSEHOLD_HEAD, Role.VILLAGER])
        .exclude(user__in=cadres)
        .select_related("user__resident__household", "place")
        .order_by("pk")
    )
    villagers = [
        (Actor(user=g.user, grant=g, ip_address="127.0.0.1"), g.user.resident.household)
        for g in villager_grants
        if g.user.resident is not None
    ]
    items = list(version.items.all())
    return _Village(
        place=village,
        version=version,
        recorder=committee,
        reviewer=secretary,
        second_reviewer=committee,
        households=list(
            Household.objects.filter(village=village)
            .select_related("village__parent", "grid")
            .order_by("pk")
        ),
        grids=[(grid, actor) for grid, actor in grids if grid is not None],
        villagers=villagers,
        positive=[
            i
            for i in items
            if i.points > 0
            and i.kind == Item.Kind.NORMAL
            and i.scope == Item.Scope.HOUSEHOLD
            and not i.evidence_required
            and i.unit != Item.Unit.PER_INSPECTION
        ],
        declarable=[
            i
            for i in items
            if i.self_declarable and not i.evidence_required and i.scope == Item.Scope.HOUSEHOLD
        ],
        deductions=[i for i in items if i.points < 0 and i.scope == Item.Scope.HOUSEHOLD],
        inspection_items=[i for i in items if i.unit == Item.Unit.PER_INSPECTION and i.points > 0],
    )


def _reviewer_for(village: _Village, record: Record) -> Actor:
    """The secretary reviews, unless the record is theirs or about their household."""
    secretary = village.reviewer
    own = secretary.user.resident.household_id if secretary.user.resident else None
    if record.recorded_by_id == secretary.user.pk or record.household_id == own:
        return village.second_reviewer
    return secretary


def _try(action: Callable[[], T]) -> T | None:
    """Caps and cadre households refuse some random attempts, as they would a real cadre's."""
    try:
        return action()
    except (ValidationError, PermissionDenied):
        return None


def _one_record(rng: random.Random, village: _Village, day: date, now: datetime) -> Record | None:
    household = rng.choice(village.households)
    roll = rng.random()
    if roll < 0.25 and village.villagers and village.declarable:
        actor, own = rng.choice(village.villagers)
        return _try(
            lambda: records.declare_deed(
                actor=actor,
                household=own,
                item=rng.choice(village.declarable),
                occurred_on=day,
                description=rng.choice(DESCRIPTIONS),
                idempotency_key=new_key(),
                now=now,
            )
        )
    if roll < 0.85 and village.positive:
        recorder = village.recorder
        if village.grids and rng.random() < 0.6:
            grid, recorder = rng.choice(village.grids)
            in_grid = [h for h in village.households if h.grid_id == grid.pk]
            household = rng.choice(in_grid) if in_grid else household
        item = rng.choice(village.positive)
        return _try(
            lambda: records.record_deed(
                actor=recorder,
                household=household,
                item=item,
                occurred_on=day,
                on_behalf=rng.random() < 0.4,
                quantity=rng.choice([1, 1, 1, 2]),
                description=rng.choice(DESCRIPTIONS),
                idempotency_key=new_key(),
                now=now,
            )
        )
    if village.deductions:
        return _try(
            lambda: records.record_deed(
                actor=village.recorder,
                household=household,
                item=rng.choice(village.deductions),
                occurred_on=day,
                description="网格巡查发现",
                idempotency_key=new_key(),
                now=now,
            )
        )
    return None


def _review(
    rng: random.Random, village: _Village, pending: list[Record], now: datetime
) -> list[Record]:
    approved = []
    for record in pending:
        reviewer = _reviewer_for(village, record)
        approve = rng.random() > 0.08
        done = _try(
            partial(
                records.review_record,
                actor=reviewer,
                record=record,
                approve=approve,
                reason="" if approve else rng.choice(REJECTIONS),
                now=now,
            )
        )
        if done is not None and approve:
            approved.append(record)
    return approved


def _object_now_and_then(
    rng: random.Random, village: _Village, approved: list[Record], now: datetime
) -> None:
    if not village.villagers or not approved or rng.random() > 0.3:
        return
    objector, own = rng.choice(village.villagers)
    target = next(
        (r for r in approved if r.household_id != own.pk and r.recorded_by_id != objector.user.pk),
        None,
    )
    if target is None:
        return
    objection = _try(
        lambda: records.object_to_record(
            actor=objector, record=target, reason=rng.choice(OBJECTIONS), now=now
        )
    )
    if objection is not None:
        uphold = rng.random() < 0.4
        _try(
            lambda: records.decide_objection(
                actor=_reviewer_for(village, target),
                objection=objection,
                uphold=uphold,
                reason="经核实，情况属实" if uphold else "经核实，记录无误",
                now=now + timedelta(hours=5),
            )
        )


def _inspect(rng: random.Random, village: _Village, day: date, now: datetime) -> list[Record]:
    made: list[Record] = []
    if not village.grids:
        return made
    # One grid a month, in turn, against the first two inspection items.
    for grid, inspector in village.grids[day.month % len(village.grids) :][:1]:
        households = [h for h in village.households if h.grid_id == grid.pk]
        marks = {
            h.pk: {item.pk for item in village.inspection_items[:2] if rng.random() < 0.6}
            for h in households
        }
        marks = {k: v for k, v in marks.items() if v}
        if not marks or not village.inspection_items:
            continue
        inspection = _try(
            partial(
                records.run_inspection,
                actor=inspector,
                grid=grid,
                title=f"{day:%m}月庭院卫生检查",
                held_on=day,
                items=village.inspection_items[:2],
                marks=marks,
                idempotency_key=new_key(),
                now=now,
            )
        )
        if inspection is not None:
            made += list(
                Record.objects.filter(inspection=inspection).select_related("village", "household")
            )
    return made


def _report_and_correct(
    rng: random.Random, village: _Village, day: date, now: datetime
) -> list[Record]:
    """Now and then: a neighbour's report verified into a deduction, and a correction."""
    made: list[Record] = []
    if village.villagers and village.deductions and rng.random() < 0.5:
        reporter, own = rng.choice(village.villagers)
        target = rng.choice([h for h in village.households if h.pk != own.pk])
        report = _try(
            lambda: records.report_deed(
                actor=reporter,
                household=target,
                item=village.deductions[0],
                description="在河边焚烧秸秆，烟很大",
                occurred_on=day,
                idempotency_key=new_key(),
                now=now,
            )
        )
        if report is not None:
            verified = _try(
                lambda: records.verify_report(
                    actor=village.recorder,
                    report=report,
                    confirmed=rng.random() < 0.7,
                    note="现场核实",
                    now=now,
                )
            )
            if verified is not None and verified.record is not None:
                made.append(verified.record)
    posted = (
        Record.objects.filter(
            village=village.place,
            status=Record.Status.POSTED,
            route=Record.Route.RECORDED,
            corrections__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    if posted is not None and rng.random() < 0.5:
        correction = _try(
            lambda: records.request_correction(
                actor=village.recorder,
                record=posted,
                reason="重复登记，予以冲正",
                idempotency_key=new_key(),
                now=now,
            )
        )
        if correction is not None:
            made.append(correction)
    return made


def add_activity(
    *,
    county: Place,
    seed: int,
    end: date,
    size: ActivitySize,
    progress: Callable[[str], None] = lambda _: None,
) -> int:
    """A year of activity up to ``end``, whose last days stay pending or on notice."""
    rng = random.Random(seed)
    start = end - timedelta(days=364)
    templates = [
        rules.publish_template(actor=None, owner=county, title=GENERAL.title, catalogue=GENERAL),
        rules.publish_template(actor=None, owner=county, title=INDUSTRY.title, catalogue=INDUSTRY),
    ]
    places = list(
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path).order_by("code")
    )
    villages = [
        _prepare(place, templates[n % 2], start, showcase=n == 0) for n, place in enumerate(places)
    ]
    supermarkets = Supermarkets(rng, places, start)
    favouritism = Favouritism.in_second_village(places)
    made = 0
    pending: dict[int, list[Record]] = {v.place.pk: [] for v in villages}
    for offset in range(365):
        day = start + timedelta(days=offset)
        morning, evening = _at(day, 9), _at(day, 20)
        for village in villages:
            showcase = village is villages[0]
            weekly = size.showcase_records_per_week if showcase else size.records_per_week
            count = sum(1 for _ in range(weekly) if rng.random() < 1 / 7)
            new = [
                r
                for r in (_one_record(rng, village, day, morning) for _ in range(count))
                if r is not None
            ]
            new += favouritism.records(village.place, village.positive, day, morning)
            if day.day == 25:
                new += _inspect(rng, village, day, morning)
            if showcase and day.weekday() == 2:
                new += _report_and_correct(rng, village, day, morning)
            made += len(new)
            # Reviewers look at yesterday's records in the afternoon; the last two days wait.
            if offset < 363:
                approved = _review(rng, village, pending[village.place.pk], _at(day, 15))
                _object_now_and_then(rng, village, approved, _at(day, 16))
                pending[village.place.pk] = new
            else:
                pending[village.place.pk] += new
        supermarkets.day(day)
        post_due_records(now=evening)
        supermarkets.evening(day)
        create_due_checkpoints(now=_at(day, 23))
        if day.day == 1:
            progress(f"activity: {day:%Y-%m} ({made} records so far)")
    add_bank(county, rng=rng, end=end)
    add_dividend_round(county, end=end)
    add_talk(county, rng=rng, end=end)
    add_disclosure(county, rng=rng, end=end)
    add_campaigns(county, rng=rng, end=end)
    # The night's jobs: the fairness flags, the ledgers verified, the dashboards' months sealed.
    add_fairness(county, end=end)
    night = _at(end, 23)
    check_ledgers(now=night)
    seal_months(now=night)
    return made
