"""Campaigns and red and black lists in the demo: in every village a summer mosquito-control
campaign with four items and three rounds (households passing and failing, some grids behind),
and confirmed monthly boards for the last four months, so that one black-list entry is current
and older ones have expired. The showcase village's lists are public; the others keep the
private default.

Written through the services with the simulated ``now``, after the year of activity. Other
villages inspect a part of their households only, to keep the demo quick.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant
from jifen.campaigns import services
from jifen.campaigns.models import Board, Campaign, Entry
from jifen.campaigns.selectors import month_start, next_month
from jifen.core.idempotency import new_key
from jifen.places.models import Household, Place
from jifen.rules.models import VillageSettings
from jifen.rules.selectors import village_settings
from jifen.rules.services import update_village_settings

ITEMS = ["清除积水容器", "房前屋后无杂草", "垃圾分类入桶", "下水道通畅"]
NOTES = ["院里花盆有积水", "屋后杂草没清", "垃圾堆在门口", "阴沟堵了", ""]
REMEDIES = ["清理门前垃圾并保持整洁", "拆除违规搭建的棚子", "清除屋后积水和杂草"]
MONTHS = 4
# Share of households a village other than the showcase inspects in each round.
SAMPLE = 0.15
BLACK_AT_MOST = 5


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _actor(village: Place, role: str) -> Actor | None:
    grant = (
        RoleGrant.objects.filter(place=village, role=role, revoked_at__isnull=True)
        .select_related("user__resident", "place", "grid")
        .order_by("pk")
        .first()
    )
    return Actor(user=grant.user, grant=grant, ip_address="127.0.0.1") if grant else None


def _grid_members(village: Place) -> dict[int, Actor]:
    grants = RoleGrant.objects.filter(
        place=village, role=Role.GRID_MEMBER, grid__isnull=False, revoked_at__isnull=True
    ).select_related("user__resident", "place", "grid")
    return {g.grid_id: Actor(user=g.user, grant=g) for g in grants if g.grid_id is not None}


def _campaign(
    rng: random.Random, village: Place, secretary: Actor, end: date, showcase: bool
) -> Campaign:
    starts_on = end - timedelta(days=41)
    ends_on = end - timedelta(days=6)
    campaign = services.create_campaign(
        actor=secretary,
        village=village,
        title="夏季灭蚊行动",
        description="清积水、除杂草、垃圾入桶、疏通阴沟，每户门前三包。",
        starts_on=starts_on,
        ends_on=ends_on,
        items=ITEMS,
        rounds=services.split_rounds(starts_on, ends_on, 3),
        idempotency_key=new_key(),
        now=_at(starts_on - timedelta(days=3), 10),
    )
    items = list(campaign.items.order_by("position"))
    members = _grid_members(village)
    households = list(Household.objects.filter(village=village).order_by("pk"))
    # Some households are careless: they fail more often, round after round.
    careless = {h.pk for h in households if rng.random() < 0.15}
    for round_ in campaign.rounds.order_by("number"):
        for household in households:
            if not showcase and rng.random() > SAMPLE:
                continue
            inspector = members.get(household.grid_id or 0, secretary)
            fails = rng.random() < (0.6 if household.pk in careless else 0.1)
            failed = rng.sample(items, rng.randint(1, 2)) if fails else []
            services.inspect(
                actor=inspector,
                round_=round_,
                household=household,
                passed=not fails,
                failed_items=failed,
                note=rng.choice(NOTES) if fails else "",
                now=_at(round_.starts_on + timedelta(days=rng.randint(0, 4)), 10),
            )
    return campaign


def _confirm(rng: random.Random, secretary: Actor, board: Board, confirmed_at: datetime) -> None:
    remedy_by = timezone.localdate(confirmed_at) + timedelta(days=14)
    black = sorted(
        board.entries.filter(colour=Entry.Colour.BLACK), key=lambda e: (-len(e.reason), e.pk)
    )
    # The committee names the few worst cases, not every household that slipped once.
    for entry in black[BLACK_AT_MOST:]:
        services.remove_entry(actor=secretary, entry=entry)
    for entry in black[:BLACK_AT_MOST]:
        services.update_entry(
            actor=secretary,
            entry=entry,
            reason=entry.reason,
            remedy=rng.choice(REMEDIES),
            remedy_by=remedy_by,
            now=confirmed_at,
        )
    services.confirm_board(actor=secretary, board=board, now=confirmed_at)


def _monthly_boards(rng: random.Random, village: Place, secretary: Actor, end: date) -> None:
    """Boards for the last ``MONTHS`` whole months, each confirmed on the 2nd of the next."""
    month = month_start(end)
    for _ in range(MONTHS):
        month = month_start(month - timedelta(days=1))
    for _ in range(MONTHS):
        confirmed_at = min(_at(next_month(month) + timedelta(days=1), 10), _at(end, 9))
        board = services.prepare_board(
            actor=secretary, village=village, month=month, now=confirmed_at
        )
        _confirm(rng, secretary, board, confirmed_at)
        month = next_month(month)


def _make_lists_public(village: Place) -> None:
    current = village_settings(village)
    update_village_settings(
        actor=None,
        village=village,
        notice_days=current.notice_days,
        score_visibility=current.score_visibility,
        separate_cadre_pool=current.separate_cadre_pool,
        separate_absent_pool=current.separate_absent_pool,
        lists_visibility=VillageSettings.ListsVisibility.PUBLIC,
    )


def add_campaigns(county: Place, *, rng: random.Random, end: date) -> None:
    """Fill the demo county with campaigns and red and black lists up to ``end``."""
    villages = list(
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path).order_by("code")
    )
    for n, village in enumerate(villages):
        showcase = n == 0
        secretary = _actor(village, Role.SECRETARY)
        if secretary is None:
            continue
        with transaction.atomic():
            campaign = _campaign(rng, village, secretary, end, showcase)
            _monthly_boards(rng, village, secretary, end)
            if showcase:
                confirmed_at = _at(campaign.ends_on + timedelta(days=2), 10)
                board = services.prepare_board(
                    actor=secretary, village=village, campaign=campaign, now=confirmed_at
                )
                _confirm(rng, secretary, board, confirmed_at)
                _make_lists_public(village)
    # Expired black-list entries are told once, as the scheduled job does.
    services.tell_expired(now=_at(end, 18))
