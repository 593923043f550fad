"""Votes in 桂花村: a cadre puts questions to each body; helpers to add voters.

On the day used here (``NOW``, 15 June 2026) 桂花村 has two households — 王建国's (1-01: the
head and two grown children) and 李书记's (1-02: the head and a grown child) — so five
villagers aged 18 and over, and one representative. The tests read English messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jifen.accounts.models import Role, User
from jifen.core.idempotency import new_key
from jifen.places.models import Household, Place, Resident
from jifen.votes import services
from jifen.votes.models import Option, Vote
from tests import factories
from tests.conftest import World
from tests.points import NOW, actor

OPENS = NOW
CLOSES = NOW + timedelta(days=5)


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def new_vote(
    world: World,
    body: str = Vote.Body.HOUSEHOLDS,
    *,
    kind: str = Vote.Kind.MOTION,
    options: Sequence[str] = (),
    now: datetime = NOW,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    by: str = "secretary",
    **extra: Any,
) -> Vote:
    """A vote put by a cadre at ``now``; open at once unless ``opens_at`` is later."""
    return services.create_vote(
        actor=actor(world.people[by]),
        village=world.village,
        title=extra.pop("title", "修村东水渠"),
        question=extra.pop("question", "村集体出资两万元修村东水渠，是否同意？"),
        kind=kind,
        body=body,
        options=options,
        opens_at=opens_at,
        closes_at=closes_at or (opens_at or now) + timedelta(days=5),
        idempotency_key=new_key(),
        now=now,
        **extra,
    )


def option(vote: Vote, name: str) -> Option:
    """The option called ``name``: "For", "Against", "Abstain", or a choice's label."""
    return next(o for o in vote.options.all() if o.name == name)


def counts(vote: Vote) -> dict[str, int]:
    return {o.name: o.count for o in vote.options.order_by("position")}


def resident(
    household: Household, name: str, birth: date = date(1990, 1, 1), **extra: Any
) -> Resident:
    return Resident.objects.create(
        village=household.village,
        household=household,
        name=name,
        gender=Resident.Gender.FEMALE,
        birth_date=birth,
        id_number=factories.id_number(birth, male=False),
        relation=extra.pop("relation", Resident.Relation.CHILD),
        **extra,
    )


def villager(person: Resident, role: str = Role.VILLAGER) -> User:
    """An account for ``person``, acting as a villager (or ``role``) of their village."""
    return factories.account(person.name, role, person.village, resident=person)


def households(village: Place, count: int, *, start: int = 1) -> list[User]:
    """``count`` more households in ``village``, each with a head who has an account."""
    heads = []
    for n in range(start, start + count):
        home = factories.household(village, f"9-{n:03d}", f"户主{n:03d}", members=1)
        assert home.head is not None
        heads.append(villager(home.head, Role.HOUSEHOLD_HEAD))
    return heads
