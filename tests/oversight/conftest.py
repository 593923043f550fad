"""A small township to compute the dashboard by hand: 桂花村 and 双河村 in 清平镇, in June 2026.

The fixture ``june`` builds, through the real services, the records, objections, matters,
ratings, disclosures, ledger checks and flags that the tests' expected numbers come from; each
figure's arithmetic is written beside the test that checks it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from jifen.accounts.models import Role, User
from jifen.core.idempotency import new_key
from jifen.disclosure.models import Kind, Period, Publication
from jifen.fairness.models import Flag
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.oversight.models import LedgerCheck
from jifen.oversight.services import check_ledger
from jifen.places.models import Household, Place
from jifen.records import services as records
from jifen.records.models import Record
from jifen.rules.models import Item
from jifen.talk import services as talk
from jifen.talk.models import Matter
from tests import factories
from tests.conftest import World
from tests.points import Items, actor, small_rulebook

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Saturday morning in June; the dashboards look at June 2026 and the eleven months before.
NOW = datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)
JUNE = date(2026, 6, 1)
MAY = date(2026, 5, 1)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@dataclass
class June:
    world: World
    items: Items
    neighbour_items: Items
    homes: list[Household]  # the four households of 桂花村
    neighbour_homes: list[Household]  # the three of 双河村


def record(
    recorder: User,
    household: Household,
    item: Item,
    when: datetime,
    *,
    reviewer: User | None = None,
) -> Record:
    """Recorded at ``when``, and approved at once by ``reviewer`` when one is given."""
    found = records.record_deed(
        actor=actor(recorder),
        household=household,
        item=item,
        occurred_on=when.date(),
        idempotency_key=new_key(),
        now=when,
    )
    if reviewer is not None:
        found = records.review_record(actor=actor(reviewer), record=found, approve=True, now=when)
    return found


def matter_in(
    village: Place, raiser: User, replier: User, raised_at: datetime, replied_at: datetime | None
) -> Matter:
    """A matter raised by ``raiser`` and, when ``replied_at`` is given, answered by ``replier``."""
    raised = talk.raise_matter(
        actor=actor(raiser),
        village=village,
        title="村口路灯坏了",
        text="村口那盏路灯一个星期没亮了。",
        category=Matter.Category.REPAIR,
        photos=[],
        idempotency_key=new_key(),
        now=raised_at,
    )
    if replied_at is not None:
        talk.comment_on(
            actor=actor(replier),
            matter=raised,
            text="明天派人去修。",
            reply_to=None,
            idempotency_key=new_key(),
            now=replied_at,
        )
    return raised


def matter(world: World, raised_at: datetime, replied_at: datetime | None) -> Matter:
    people = world.people
    return matter_in(world.village, people["villager"], people["secretary"], raised_at, replied_at)


def period(village: Place, kind: str, due_on: date, published_at: datetime | None) -> Period:
    made = Period.objects.create(
        village=village,
        kind=kind,
        starts_on=date(2026, 5, 1),
        ends_on=date(2026, 5, 31),
        due_on=due_on,
        opened_at=at(5, 1),
    )
    if published_at is not None:
        people = User.objects.filter(grants__place=village).order_by("pk")
        Publication.objects.create(
            period=made,
            title="五月公开",
            status=Publication.Status.PUBLISHED,
            drafted_by=people[0],
            created_at=published_at,
            signed_off_at=published_at,
            signed_off_by=people[1],
            published_at=published_at,
            published_by=people[0],
        )
    return made


def flag(village: Place, key: str, *, reviewed_by: User | None = None) -> Flag:
    return Flag.objects.create(
        village=village,
        kind=Flag.Kind.RECORDER_HOUSEHOLD,
        subject_key=key,
        window_start=date(2026, 1, 1),
        window_end=date(2026, 6, 19),
        first_raised_at=at(6, 19),
        computed_at=at(6, 19),
        reviewed_at=at(6, 19, 12) if reviewed_by else None,
        reviewed_by=reviewed_by,
        review_note="已核实，无问题。" if reviewed_by else "",
    )


@pytest.fixture
def june(world: World) -> June:
    """桂花村 (4 households) and 双河村 (3 households) in May and June 2026; see each test."""
    people = world.people
    items = small_rulebook(world.village)
    neighbour_items = small_rulebook(world.neighbour_village)
    home, cadre_home = Household.objects.filter(village=world.village).order_by("door_plate")
    homes = [
        home,
        cadre_home,
        factories.household(world.village, "1-03", "钱三"),
        factories.household(world.village, "1-04", "周四"),
    ]
    neighbour_homes = [
        world.neighbour_home,
        factories.household(world.neighbour_village, "2-02", "吴二"),
        factories.household(world.neighbour_village, "2-03", "郑三"),
    ]
    recorder, reviewer = people["committee_member"], people["secretary"]
    neighbour_recorder = factories.account("何委员", Role.COMMITTEE_MEMBER, world.neighbour_village)
    neighbour_reviewer = people["neighbour_secretary"]

    # May, 桂花村: 1-01 earns voluntary labour (+5) twice; the second is objected to on May 21
    # and the objection dismissed on May 22. Both post on May 25. One patrol (+10) recorded on
    # May 28 waits over the month end and is approved on June 3.
    record(recorder, home, items.labour, at(5, 10), reviewer=reviewer)
    objected = record(recorder, home, items.labour, at(5, 20), reviewer=reviewer)
    may_objection = records.object_to_record(
        actor=actor(people["representative"]),
        record=objected,
        reason="那天他不在村里",
        now=at(5, 21),
    )
    records.decide_objection(
        actor=actor(reviewer),
        objection=may_objection,
        uphold=False,
        reason="有照片为证",
        now=at(5, 22),
    )
    post_due_records(now=at(5, 25))
    late = record(recorder, home, items.patrol, at(5, 28))
    records.review_record(actor=actor(reviewer), record=late, approve=True, now=at(6, 3))

    # June, 桂花村: 1-01 patrols (+10, June 5); 1-03 is fined for littering (−5, June 5);
    # both, and the May 28 patrol, post on June 8.
    record(recorder, home, items.patrol, at(6, 5), reviewer=reviewer)
    record(recorder, homes[2], items.littering, at(6, 5), reviewer=reviewer)
    post_due_records(now=at(6, 8))
    # Waiting for review now: 1-02's records of June 10 and June 18 (10 and 2 days).
    record(recorder, cadre_home, items.patrol, at(6, 10))
    record(recorder, cadre_home, items.labour, at(6, 18))
    # On notice from June 15, objected to on June 16: still open.
    on_notice = record(recorder, homes[3], items.patrol, at(6, 15), reviewer=reviewer)
    records.object_to_record(
        actor=actor(people["representative"]), record=on_notice, reason="没见他巡逻", now=at(6, 16)
    )

    # June, 双河村: 2-01 patrols (+10), posted June 12.
    record(
        neighbour_recorder,
        world.neighbour_home,
        neighbour_items.patrol,
        at(6, 8),
        reviewer=neighbour_reviewer,
    )
    post_due_records(now=at(6, 12))

    # Villagers Talk, 桂花村: raised June 1 and replied after 2 h; raised June 2 and replied
    # after 48 h; raised June 19 and not replied (a full day has passed by June 20 10:00).
    # One raised in May, replied after 1 h.
    first = matter(world, at(6, 1, 9), at(6, 1, 11))
    matter(world, at(6, 2, 9), at(6, 4, 9))
    matter(world, at(6, 19, 9), None)
    matter(world, at(5, 5, 9), at(5, 5, 10))
    task = talk.create_task(
        actor=actor(people["secretary"]),
        matter=first,
        text="换一个新灯泡",
        assignees=[people["committee_member"]],
        due_on=date(2026, 6, 10),
        now=at(6, 1, 12),
    )
    talk.mark_done(actor=actor(people["committee_member"]), task=task, now=at(6, 3))
    talk.rate(actor=actor(people["villager"]), task=task, stars=4, comment="修得快。", now=at(6, 4))
    talk.rate(
        actor=actor(people["household_head"]), task=task, stars=5, comment="很好。", now=at(6, 5)
    )

    # Disclosures due in June, 桂花村: finance due June 15 published June 14 (on time), village
    # affairs due June 15 published June 17 (late), party affairs due June 10 not published
    # (overdue). 双河村: finance due June 25 (not yet due).
    period(world.village, Kind.FINANCE, date(2026, 6, 15), at(6, 14))
    period(world.village, Kind.VILLAGE, date(2026, 6, 15), at(6, 17))
    period(world.village, Kind.PARTY, date(2026, 6, 10), None)
    period(world.neighbour_village, Kind.FINANCE, date(2026, 6, 25), None)

    # Ledgers: 桂花村 signed and checked (it verifies); 双河村's latest check failed.
    create_checkpoint(village=world.village, now=at(6, 19))
    check_ledger(village=world.village, now=at(6, 20, 2))
    LedgerCheck.objects.create(
        village=world.neighbour_village,
        checked_at=at(6, 20, 2),
        entries=4,
        ok=False,
        problem="entry #3: its contents do not match its hash (it was changed after posting)",
    )

    # Fairness: two unreviewed flags and one reviewed in 桂花村.
    flag(world.village, "recorder:1:household:1")
    flag(world.village, "recorder:1:household:2")
    flag(world.village, "recorder:1:household:3", reviewed_by=people["township_officer"])
    return June(
        world=world,
        items=items,
        neighbour_items=neighbour_items,
        homes=homes,
        neighbour_homes=neighbour_homes,
    )
