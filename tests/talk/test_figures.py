"""How fast the village answers: the reply note, the median and the share within a day; the
township's figures per village; and a matter's stage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.talk import selectors, services, timing
from jifen.talk.models import Matter
from jifen.talk.selectors import RatingSummary, ReplyFigures
from tests import factories
from tests.conftest import World
from tests.points import actor
from tests.talk.conftest import NOW, TODAY, comment, done, hand_out, raise_matter


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 min"),
        (59 * 60 + 59, "59 min"),
        (3600, "1 h 0 min"),
        (3 * 3600 + 20 * 60, "3 h 20 min"),
        (47 * 3600 + 59 * 60, "47 h 59 min"),
        (48 * 3600, "2 days"),
        (9 * 86400 + 3600, "9 days"),
    ],
)
def test_durations_in_words(seconds: int, text: str) -> None:
    assert timing.duration_text(seconds) == text


def test_the_reply_note(world: World) -> None:
    matter = raise_matter(world)
    assert timing.reply_note(matter, NOW + timedelta(days=2, hours=5)) == "waiting 2 days"
    comment(world, matter, "secretary", now=NOW + timedelta(hours=3, minutes=20))
    matter.refresh_from_db()
    assert timing.reply_note(matter, NOW + timedelta(days=9)) == "replied after 3 h 20 min"


def test_the_median_of_an_odd_and_an_even_count() -> None:
    assert selectors.median_seconds([]) is None
    assert selectors.median_seconds([30, 10, 20]) == 20
    assert selectors.median_seconds([40, 10, 20, 30]) == 25
    assert selectors.median_seconds([1, 2]) == 1  # whole seconds, rounded down


def replied_after(world: World, hours: float, *, raised_hours_ago: float = 100) -> Matter:
    raised_at = NOW - timedelta(hours=raised_hours_ago)
    matter = raise_matter(world, now=raised_at)
    comment(world, matter, "secretary", now=raised_at + timedelta(hours=hours))
    return matter


def test_the_village_answer_figures_by_hand(world: World) -> None:
    # Given, at NOW: four matters replied after 1 h, 5 h, 24 h (exactly) and 30 h;
    for hours in [1, 5, 24, 30]:
        replied_after(world, hours)
    # one waiting for 2 days (counts as not within a day), one raised an hour ago (not decided)
    raise_matter(world, now=NOW - timedelta(days=2))
    raise_matter(world, now=NOW - timedelta(hours=1))
    figures = selectors.village_figures(world.village, NOW).replies
    # Then the median is the mean of 5 h and 24 h; 3 of the 5 decided matters within a day
    assert figures == ReplyFigures(
        matters=6, replied=4, median=int(14.5 * 3600), within_day=3, decided=5
    )
    assert figures.share_within_day == Decimal("60")
    assert timing.duration_text(figures.median or 0) == "14 h 30 min"


def test_no_matters_no_figures(world: World) -> None:
    figures = selectors.village_figures(world.village, NOW)
    assert figures.replies == ReplyFigures()
    assert figures.replies.share_within_day is None
    assert figures.ratings.average is None
    assert (figures.open_tasks, figures.overdue, figures.cadres) == (0, [], [])


def test_shares_round_half_up() -> None:
    assert selectors.per_cent(1, 8) == Decimal("13")  # 12.5
    assert selectors.per_cent(2, 3) == Decimal("67")
    assert selectors.per_cent(0, 0) is None


def test_the_township_figures_per_village(world: World) -> None:
    # 桂花村: two matters (replied after 2 h and 4 h), a task overdue, a task done and rated 4, 5
    late = replied_after(world, 2, raised_hours_ago=200)
    rated = replied_after(world, 4)
    hand_out(world, late, due_on=TODAY - timedelta(days=3), now=NOW - timedelta(days=5))
    task = done(world, hand_out(world, rated))
    for who, stars in [("villager", 4), ("household_head", 5)]:
        services.rate(actor=actor(world.people[who]), task=task, stars=stars, comment="好", now=NOW)
    # 双河村: one matter, waiting; 玉泉村 (another township) is not on the page
    neighbour = factories.account("钱村民", Role.VILLAGER, world.neighbour_village)
    for village, user in [(world.neighbour_village, neighbour)]:
        services.raise_matter(
            actor=actor(user),
            village=village,
            title="桥",
            text="桥坏了",
            category="repair",
            idempotency_key=new_key(),
            now=NOW,
        )
    rows, overdue = selectors.township_figures(world.township, NOW)
    assert [row.village for row in rows] == [world.village, world.neighbour_village]
    here, there = rows
    assert (here.matters, here.open_tasks, here.overdue_tasks) == (2, 1, 1)
    assert here.replies.median == 3 * 3600
    assert here.ratings == RatingSummary(count=2, total=9)
    assert here.ratings.average == Decimal("4.5")
    assert (there.matters, there.open_tasks, there.overdue_tasks) == (1, 0, 0)
    assert there.replies.median is None
    assert there.ratings.average is None
    assert [(item.task.matter, item.days) for item in overdue] == [(late, 3)]


def test_the_stages_of_a_matter(world: World) -> None:
    matter = raise_matter(world)
    stages = [selectors.stage_of(matter)]
    comment(world, matter, "committee_member", now=NOW + timedelta(hours=1))
    stages.append(selectors.stage_of(matter))
    task = hand_out(world, matter)
    stages.append(selectors.stage_of(matter))
    done(world, task)
    stages.append(selectors.stage_of(matter))
    services.rate(actor=actor(world.people["villager"]), task=task, stars=5, comment="好", now=NOW)
    stages.append(selectors.stage_of(matter))
    assert stages == ["raised", "replied", "in_hand", "done", "rated"]


def test_the_list_filters_by_stage_and_kind(world: World) -> None:
    waiting = raise_matter(world, category=Matter.Category.COMPLAINT)
    replied = raise_matter(world, category=Matter.Category.REPAIR)
    comment(world, replied, "secretary")
    in_hand = raise_matter(world, category=Matter.Category.REPAIR)
    hand_out(world, in_hand)

    def found(**filters: str) -> list[Matter]:
        return sorted(selectors.village_matters(world.village, **filters), key=lambda m: m.pk)

    assert found() == [waiting, replied, in_hand]
    assert found(stage="raised") == [waiting]
    assert found(stage="replied") == [replied]
    assert found(stage="in_hand") == [in_hand]
    assert found(category="repair") == [replied, in_hand]
    assert found(stage="replied", category="complaint") == []
