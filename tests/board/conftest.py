"""A world where 王建国's household (1-01) has 15 posted points: a patrol and a day's labour."""

from __future__ import annotations

import pytest

from jifen.core.idempotency import new_key
from jifen.ledger.services import post_due_records
from jifen.records import services
from tests.conftest import World
from tests.points import NOW, TODAY, actor, after_notice, small_rulebook


@pytest.fixture
def posted(world: World) -> World:
    items = small_rulebook(world.village)
    for household, item in ((world.home, items.patrol), (world.home, items.labour)):
        record = services.record_deed(
            actor=actor(world.people["grid_member"]),
            household=household,
            item=item,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )
        services.review_record(
            actor=actor(world.people["secretary"]), record=record, approve=True, now=NOW
        )
    post_due_records(now=after_notice())
    return world
