"""Three-affairs disclosure in the demo: in every village a year of published disclosures —
monthly finance statements with realistic lines and quarterly party and village affairs — and,
in the showcase village, written through the services: the last due finance statement still
unpublished (the one overdue statement of the county), a corrected statement (version 2 with a
reason) and a villager's question about a line.

The other villages are written in bulk (drafts and lines first, then published in one update:
the database freezes published rows, so lines cannot be inserted after), for speed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant, User
from jifen.accounts.services import grant_role
from jifen.core.idempotency import new_key
from jifen.disclosure import drafting
from jifen.disclosure.lines import yuan
from jifen.disclosure.models import Item, Kind, Period, Publication
from jifen.disclosure.periods import DEFAULT_SCHEDULE, add_months, bounds, due_date
from jifen.places.models import Place, Resident

INCOME: list[tuple[str, int, int]] = [
    ("上级转移支付", 3_000_000, 8_000_000),
    ("村集体经营收入", 400_000, 2_000_000),
    ("土地承包费", 200_000, 900_000),
    ("一事一议财政奖补", 500_000, 1_500_000),
]
EXPENSE: list[tuple[str, int, int]] = [
    ("保洁员工资", 180_000, 180_000),
    ("路灯电费", 18_000, 62_000),
    ("办公费", 8_000, 45_000),
    ("村干部误工补贴", 300_000, 600_000),
    ("水渠维修材料费", 120_000, 680_000),
    ("党员活动经费", 20_000, 90_000),
]
PARTY = [
    ("发展党员", "确定入党积极分子2名，1名预备党员按期转正。"),
    ("党费收缴", "本季度党费已按时收缴并全额上缴镇党委。"),
    ("主题党日", "组织党员开展人居环境整治志愿服务3次。"),
    ("民主评议党员", "评议结果：优秀8名，合格31名。"),
]
AFFAIRS = [
    ("低保对象", "本季度低保对象无变化，名单已在村务公开栏张贴。"),
    ("惠农补贴发放", "耕地地力保护补贴已发放至各户“一卡通”。"),
    ("宅基地审批", "本季度受理宅基地申请2户，经村民代表会议同意后报镇审批。"),
    ("村道硬化项目", "三组村道硬化工程已完工，验收合格。"),
]
TITLES: dict[str, str] = {
    Kind.PARTY: "党务公开",
    Kind.VILLAGE: "村务公开",
    Kind.FINANCE: "财务公开",
}
CORRECTION_REASON = "保洁员工资录入有误，按工资发放表更正"
QUESTION = "这笔路灯电费比上个月多不少，是哪几盏灯的电费？"


@dataclass
class _Line:
    title: str
    text: str = ""
    occurred_on: date | None = None
    direction: str = ""
    amount: int | None = None
    voucher: str = ""


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _title(kind: str, starts_on: date, ends_on: date) -> str:
    if starts_on.month == ends_on.month:
        return f"{starts_on.year}年{starts_on.month}月{TITLES[kind]}"
    return f"{starts_on.year}年第{(starts_on.month - 1) // 3 + 1}季度{TITLES[kind]}"


def _finance_lines(rng: random.Random, starts_on: date, ends_on: date) -> list[_Line]:
    chosen = [*rng.sample(INCOME, 2), EXPENSE[0], EXPENSE[1]]
    chosen += rng.sample(EXPENSE[2:], rng.randint(1, 3))
    lines = []
    days = sorted(rng.randint(starts_on.day, ends_on.day) for _ in chosen)
    for n, ((title, low, high), day) in enumerate(zip(chosen, days, strict=True), start=1):
        lines.append(
            _Line(
                title=title,
                occurred_on=starts_on.replace(day=day),
                direction="income" if (title, low, high) in INCOME else "expense",
                amount=rng.randint(low // 100, high // 100) * 100 + rng.choice([0, 0, 50]),
                voucher=f"记-{starts_on.year}-{starts_on.month:02d}-{n:03d}",
            )
        )
    return lines


def _affairs_lines(rng: random.Random, kind: str) -> list[_Line]:
    pool = PARTY if kind == Kind.PARTY else AFFAIRS
    return [_Line(title=title, text=text) for title, text in rng.sample(pool, 3)]


def _periods(village: Place, start: date, end: date) -> list[Period]:
    """The village's regular periods from ``start``'s month to the one holding ``end``."""
    periods = []
    for kind in Kind.values:
        cadence, due_day = DEFAULT_SCHEDULE[kind]
        day = bounds(cadence, start)[0]
        while day <= end:
            starts_on, ends_on = bounds(cadence, day)
            opened = _at(starts_on, 8)
            periods.append(
                Period(
                    village=village,
                    kind=kind,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    due_on=due_date(ends_on, due_day),
                    opened_at=opened,
                )
            )
            day = add_months(ends_on, 1)
    return periods


def _supervisor(village: Place, taken: set[str]) -> User:
    grant = RoleGrant.objects.filter(
        place=village, role=Role.SUPERVISOR, revoked_at__isnull=True
    ).first()
    if grant is not None:
        return grant.user
    villager = (
        RoleGrant.objects.filter(place=village, role=Role.VILLAGER, revoked_at__isnull=True)
        .exclude(user__grants__role__in=[Role.SECRETARY, Role.COMMITTEE_MEMBER])
        .order_by("pk")
        .first()
    )
    if villager is not None:
        user = villager.user
    else:
        resident = (
            Resident.objects.filter(village=village, at_home=True, account__isnull=True)
            .exclude(phone="")
            .exclude(phone__in=taken)
            .order_by("pk")
            .first()
        )
        assert resident is not None
        user = User.objects.create_user(phone=resident.phone, name=resident.name, resident=resident)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    grant_role(actor=None, user=user, role=Role.SUPERVISOR, place=village)
    return user


def _cadres(village: Place) -> tuple[Actor, Actor]:
    grants = RoleGrant.objects.filter(place=village, revoked_at__isnull=True).select_related(
        "user", "place"
    )
    secretary = next(g for g in grants if g.role == Role.SECRETARY)
    committee = next(g for g in grants if g.role == Role.COMMITTEE_MEMBER)
    return (
        Actor(user=secretary.user, grant=secretary, ip_address="127.0.0.1"),
        Actor(user=committee.user, grant=committee, ip_address="127.0.0.1"),
    )


def _publish_day(rng: random.Random, period: Period) -> date:
    return period.due_on - timedelta(days=rng.randint(0, 8))


def add_disclosure(county: Place, *, rng: random.Random, end: date) -> None:
    """Fill the demo county with disclosure up to ``end``."""
    villages = list(
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path).order_by("code")
    )
    start = add_months(end.replace(day=1), -12)
    taken = set(User.objects.values_list("phone", flat=True))
    for n, village in enumerate(villages):
        with transaction.atomic():
            periods = _periods(village, start, end)
            Period.objects.bulk_create(periods)
            secretary, committee = _cadres(village)
            supervisor = _supervisor(village, taken)
            if n == 0:
                _showcase(rng, village, periods, end, secretary, committee, supervisor)
            else:
                _bulk(
                    rng,
                    periods,
                    end,
                    secretary.user,
                    supervisor,
                    opening=rng.randint(50_000, 300_000) * 100,
                )


def _bulk(
    rng: random.Random,
    periods: list[Period],
    end: date,
    cadre: User,
    supervisor: User,
    *,
    opening: int,
) -> None:
    """Every period due before ``end`` published by its due day (a few a little late)."""
    due = [p for p in periods if p.due_on < end]
    drafts: list[tuple[Publication, list[_Line], date]] = []
    for period in due:
        day = _publish_day(rng, period)
        if rng.random() < 0.1 and period.due_on + timedelta(days=4) < end:
            day = period.due_on + timedelta(days=rng.randint(1, 4))  # late, but published
        lines = (
            _finance_lines(rng, period.starts_on, period.ends_on)
            if period.kind == Kind.FINANCE
            else _affairs_lines(rng, period.kind)
        )
        at = _at(day, 9)
        publication = Publication(
            period=period,
            title=_title(period.kind, period.starts_on, period.ends_on),
            drafted_by=cadre,
            created_at=at - timedelta(days=3),
            submitted_at=at - timedelta(days=2),
        )
        drafts.append((publication, lines, day))
    Publication.objects.bulk_create([publication for publication, _lines, _day in drafts])
    Item.objects.bulk_create(
        Item(publication=publication, position=position, **vars(line))
        for publication, lines, _day in drafts
        for position, line in enumerate(lines, start=1)
    )
    balance = opening
    for publication, lines, day in sorted(drafts, key=lambda d: d[0].period.starts_on):
        at = _at(day, 10)
        publication.status = Publication.Status.PUBLISHED
        publication.signed_off_by, publication.signed_off_at = supervisor, at - timedelta(days=1)
        publication.published_by, publication.published_at = cadre, at
        if publication.period.kind == Kind.FINANCE:
            income = sum(line.amount or 0 for line in lines if line.direction == "income")
            expense = sum(line.amount or 0 for line in lines if line.direction == "expense")
            publication.opening_balance = balance
            balance = publication.closing_balance = balance + income - expense
    Publication.objects.bulk_update(
        [publication for publication, _lines, _day in drafts],
        [
            "status",
            "signed_off_by",
            "signed_off_at",
            "published_by",
            "published_at",
            "opening_balance",
            "closing_balance",
        ],
    )


def _showcase(
    rng: random.Random,
    village: Place,
    periods: list[Period],
    end: date,
    secretary: Actor,
    committee: Actor,
    supervisor_user: User,
) -> None:
    """Through the services: all published but the last due finance statement; one statement
    corrected; a question about a street-light bill."""
    supervisor = Actor(
        user=supervisor_user,
        grant=RoleGrant.objects.get(
            user=supervisor_user, place=village, role=Role.SUPERVISOR, revoked_at__isnull=True
        ),
        ip_address="127.0.0.1",
    )
    due = sorted((p for p in periods if p.due_on < end), key=lambda p: (p.due_on, p.kind))
    finance = [p for p in due if p.kind == Kind.FINANCE]
    overdue, corrected = finance[-1], finance[-4] if len(finance) >= 4 else None
    latest_finance: Publication | None = None
    for period in due:
        if period is overdue:
            continue
        day = _publish_day(rng, period)
        lines = (
            _finance_lines(rng, period.starts_on, period.ends_on)
            if period.kind == Kind.FINANCE
            else _affairs_lines(rng, period.kind)
        )
        first = latest_finance is None and period.kind == Kind.FINANCE
        publication = _through_services(
            period,
            lines,
            day,
            secretary,
            committee,
            supervisor,
            opening=rng.randint(100_000, 300_000) * 100 if first else None,
        )
        if period.kind == Kind.FINANCE:
            latest_finance = publication
        if period is corrected:
            _correct(publication, day + timedelta(days=5), secretary, committee, supervisor)
    if latest_finance is not None:
        bill = latest_finance.items.filter(title="路灯电费").first()
        if bill is not None:
            villager = (
                RoleGrant.objects.filter(
                    place=village, role=Role.HOUSEHOLD_HEAD, revoked_at__isnull=True
                )
                .select_related("user", "place")
                .order_by("pk")
                .first()
            )
            if villager is not None:
                assert latest_finance.published_at is not None
                drafting.ask_question(
                    actor=Actor(user=villager.user, grant=villager, ip_address="127.0.0.1"),
                    item=bill,
                    text=QUESTION,
                    idempotency_key=new_key(),
                    now=latest_finance.published_at + timedelta(days=2),
                )
    # The draft of the overdue statement was started but never sent for sign-off.
    drafting.start_publication(
        actor=secretary,
        period=overdue,
        title=_title(Kind.FINANCE, overdue.starts_on, overdue.ends_on),
        now=_at(overdue.due_on - timedelta(days=3), 16),
    )


def _through_services(
    period: Period,
    lines: list[_Line],
    day: date,
    secretary: Actor,
    committee: Actor,
    supervisor: Actor,
    *,
    opening: int | None,
) -> Publication:
    at = _at(day, 9)
    draft = drafting.start_publication(
        actor=secretary,
        period=period,
        title=_title(period.kind, period.starts_on, period.ends_on),
        opening_balance=opening,
        now=at - timedelta(days=2),
    )
    for line in lines:
        drafting.add_item(
            actor=secretary,
            publication=draft,
            title=line.title,
            text=line.text,
            occurred_on=line.occurred_on,
            direction=line.direction,
            yuan=yuan(line.amount).replace(",", "") if line.amount else "",
            voucher=line.voucher,
        )
    drafting.submit(actor=secretary, publication=draft, now=at - timedelta(days=1))
    drafting.sign_off(actor=supervisor, publication=draft, now=at - timedelta(hours=20))
    return drafting.publish(actor=committee, publication=draft, now=at)


def _correct(
    publication: Publication, day: date, secretary: Actor, committee: Actor, supervisor: Actor
) -> Publication:
    at = _at(day, 9)
    correction = drafting.start_correction(
        actor=secretary, publication=publication, reason=CORRECTION_REASON, now=at
    )
    wages = correction.items.get(title="保洁员工资")
    drafting.edit_item(
        actor=secretary,
        item=wages,
        title=wages.title,
        occurred_on=wages.occurred_on,
        direction=wages.direction,
        yuan="2000.00",
        voucher=wages.voucher,
    )
    drafting.submit(actor=secretary, publication=correction, now=at + timedelta(hours=1))
    drafting.sign_off(actor=supervisor, publication=correction, now=at + timedelta(hours=3))
    return drafting.publish(actor=committee, publication=correction, now=at + timedelta(hours=5))
