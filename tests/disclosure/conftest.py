"""Disclosure of 桂花村 at a fixed moment, and builders through the services.

Every test here reads the English messages (the ``in_english`` fixture is automatic).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from jifen.disclosure import drafting, services
from jifen.disclosure.models import Item, Kind, Period, Publication
from tests.conftest import World
from tests.points import actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The 3rd of June 2026: May's finance statement is due on the 15th.
NOW = datetime(2026, 6, 3, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 6, 3)


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def may_finance(world: World) -> Period:
    """May 2026's finance period of 桂花村, due on 15 June (the default schedule)."""
    return services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 5, 1))


def draft_statement(
    world: World,
    period: Period | None = None,
    *,
    lines: list[tuple[str, str, str, str]] | None = None,
    opening: int | None = None,
    now: datetime = NOW,
) -> Publication:
    """A finance draft by the secretary; lines are (date, item, direction, yuan)."""
    period = period or may_finance(world)
    cadre = actor(world.people["secretary"])
    publication = drafting.start_publication(
        actor=cadre, period=period, title="2026年5月财务公开", opening_balance=opening, now=now
    )
    default = [
        ("2026-05-06", "上级转移支付", "income", "50000.00"),
        ("2026-05-20", "保洁员工资", "expense", "1800.00"),
        ("2026-05-28", "路灯电费", "expense", "236.45"),
    ]
    for day, title, direction, yuan in default if lines is None else lines:
        drafting.add_item(
            actor=cadre,
            publication=publication,
            title=title,
            occurred_on=date.fromisoformat(day),
            direction=direction,
            yuan=yuan,
            voucher="记-2026-05-001",
        )
    return publication


def sign_off(world: World, publication: Publication, *, now: datetime = NOW) -> Publication:
    drafting.submit(actor=actor(world.people["secretary"]), publication=publication, now=now)
    return drafting.sign_off(
        actor=actor(world.people["supervisor"]), publication=publication, now=now
    )


def published_statement(world: World, **kwargs: Any) -> Publication:
    now = kwargs.get("now", NOW)
    publication = sign_off(world, draft_statement(world, **kwargs), now=now)
    return drafting.publish(
        actor=actor(world.people["committee_member"]), publication=publication, now=now
    )


def items_of(publication: Publication) -> list[tuple[Any, ...]]:
    return list(
        Item.objects.filter(publication=publication)
        .order_by("position")
        .values_list("position", "title", "direction", "amount", "voucher", "attachment")
    )
