"""Ratings: who rates, the window (day 14 in, day 15 out), and the roll-ups worked by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.accounts.models import Role, User
from jifen.audit.models import AuditEvent
from jifen.talk import selectors, services
from jifen.talk.models import Matter, Rating, Task
from jifen.talk.selectors import RatingSummary
from tests import factories
from tests.conftest import World
from tests.points import actor
from tests.talk.conftest import NOW, SHANGHAI, done, hand_out, raise_matter


def rate(
    world: World, task: Task, who: str | User, stars: int = 4, *, now: datetime = NOW, **kw: str
) -> Rating:
    user = world.people[who] if isinstance(who, str) else who
    return services.rate(
        actor=actor(user), task=task, stars=stars, comment=kw.get("comment", "修得很快。"), now=now
    )


@pytest.fixture
def task(world: World) -> Task:
    task = hand_out(world, raise_matter(world))
    return done(world, task)  # done on 2026-06-01 at 9:00


def test_the_raiser_rates_a_done_task(world: World, task: Task) -> None:
    rating = rate(world, task, "villager", 5)
    assert (rating.user, rating.stars, rating.comment, rating.rated_at) == (
        world.people["villager"],
        5,
        "修得很快。",
        NOW,
    )
    assert selectors.stage_of(task.matter) == Matter.Stage.RATED
    assert AuditEvent.objects.get(action="talk.rated").after == {"task": task.pk, "stars": 5}


def test_other_villagers_add_ratings_once_each(world: World, task: Task) -> None:
    rate(world, task, "villager", 5)
    rate(world, task, "household_head", 3)
    with pytest.raises(ValidationError) as again:
        rate(world, task, "household_head", 1)
    assert again.value.messages == ["You have rated this task already."]
    assert sorted(task.ratings.values_list("stars", flat=True)) == [3, 5]


def test_the_cadres_in_charge_do_not_rate_their_own_work(world: World, task: Task) -> None:
    # Even when the committee member also acts as a villager of the village
    member = world.people["committee_member"]
    factories.grant(member, Role.VILLAGER, world.village)
    with pytest.raises(PermissionDenied):
        services.rate(
            actor=actor(member, Role.VILLAGER), task=task, stars=5, comment="很好", now=NOW
        )
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "who",
    ["grid_member", "secretary", "supervisor", "township_admin", "neighbour_secretary"],
)
def test_only_the_raiser_and_villagers_rate(world: World, task: Task, who: str) -> None:
    with pytest.raises(PermissionDenied):
        rate(world, task, who)
    assert not Rating.objects.exists()


def test_a_cadre_who_raised_the_matter_rates_it(world: World) -> None:
    task = done(world, hand_out(world, raise_matter(world, "secretary")))
    assert rate(world, task, "secretary", 4).stars == 4


def test_a_task_is_rated_once_done(world: World) -> None:
    task = hand_out(world, raise_matter(world))
    with pytest.raises(ValidationError) as early:
        rate(world, task, "villager")
    assert early.value.messages == ["A task is rated once it is done."]


@pytest.mark.parametrize(
    ("stars", "comment", "message"),
    [
        (0, "好", "Give 1 to 5 stars."),
        (6, "好", "Give 1 to 5 stars."),
        (3, "  ", "Say a word about the work."),
        (3, "好" * 301, "Keep it to 300 characters; this has 301."),
    ],
)
def test_stars_and_a_comment(
    world: World, task: Task, stars: int, comment: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        rate(world, task, "villager", stars, comment=comment)
    assert refused.value.messages == [message]
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI), True),  # the moment it is done
        (datetime(2026, 6, 15, 23, 59, 59, tzinfo=SHANGHAI), True),  # day 14, its last second
        (datetime(2026, 6, 16, 0, 0, tzinfo=SHANGHAI), False),  # day 15
        (datetime(2026, 7, 1, 12, 0, tzinfo=SHANGHAI), False),
    ],
)
def test_the_rating_window(world: World, task: Task, moment: datetime, open_: bool) -> None:
    assert services.RATING_WINDOW_DAYS == 14
    assert services.rating_closes_on(task) == date(2026, 6, 15)
    assert services.is_rating_open(task, moment) is open_
    if open_:
        rate(world, task, "villager", now=moment)
        assert Rating.objects.count() == 1
    else:
        with pytest.raises(ValidationError) as late:
            rate(world, task, "villager", now=moment)
        assert late.value.messages == [
            "Ratings closed on 2026-06-15, 14 days after the task was done."
        ]
        assert not Rating.objects.exists()


def test_the_window_counts_local_days(world: World) -> None:
    # Done at 23:30 on 1 June, Beijing time (15:30 UTC): day 14 is 15 June, local time.
    task = done(
        world,
        hand_out(world, raise_matter(world)),
        now=datetime(2026, 6, 1, 23, 30, tzinfo=SHANGHAI),
    )
    assert services.rating_closes_on(task) == date(2026, 6, 15)


# Roll-ups ------------------------------------------------------------------------------------


def test_ratings_roll_up_per_cadre_and_per_village(world: World) -> None:
    # Given three tasks:
    #   A (committee member and secretary): rated 5 and 4
    #   B (committee member): rated 2
    #   C (secretary): not done, not rated
    a = done(
        world, hand_out(world, raise_matter(world), assignees=["committee_member", "secretary"])
    )
    b = done(
        world,
        hand_out(
            world,
            raise_matter(world, "household_head", title="水渠"),
            assignees=["committee_member"],
        ),
    )
    hand_out(world, raise_matter(world, title="垃圾桶"), assignees=["secretary"])
    rate(world, a, "villager", 5)
    rate(world, a, "household_head", 4)
    rate(world, b, "household_head", 2)
    # and one task of another village, rated, which does not count here
    neighbour = factories.account("钱村民", Role.VILLAGER, world.neighbour_village)
    other = services.raise_matter(
        actor=actor(neighbour),
        village=world.neighbour_village,
        title="桥",
        text="桥坏了",
        category="repair",
        idempotency_key="k-neighbour",
        now=NOW,
    )
    other_task = services.create_task(
        actor=actor(world.people["neighbour_secretary"]),
        matter=other,
        text="修桥",
        assignees=[world.people["neighbour_secretary"]],
        due_on=NOW.date(),
        now=NOW,
    )
    services.mark_done(actor=actor(world.people["neighbour_secretary"]), task=other_task, now=NOW)
    rate(world, other_task, neighbour, 1)

    figures = selectors.village_figures(world.village, NOW)
    # Then the village: 3 ratings over 2 tasks, 11 stars: 3.666… → 3.7
    assert figures.ratings == RatingSummary(count=3, total=11, tasks=2)
    assert figures.ratings.average == Decimal("3.7")
    # and per cadre, each rating of a task counting for each of its cadres:
    #   secretary: 5 + 4 over 1 task = 4.5; committee member: 5 + 4 + 2 over 2 tasks = 3.7
    by_name = {cadre.name: cadre.ratings for cadre in figures.cadres}
    assert by_name == {
        "李书记": RatingSummary(count=2, total=9, tasks=1),
        "陈委员": RatingSummary(count=3, total=11, tasks=2),
    }
    assert [cadre.name for cadre in figures.cadres] == ["李书记", "陈委员"]
    assert by_name["李书记"].average == Decimal("4.5")
    assert by_name["陈委员"].average == Decimal("3.7")
    assert figures.open_tasks == 1


@pytest.mark.parametrize(
    ("count", "total", "average"),
    [
        (4, 17, Decimal("4.3")),  # 4.25: halves round up
        (20, 81, Decimal("4.1")),  # 4.05
        (3, 3, Decimal("1.0")),
        (0, 0, None),
    ],
)
def test_averages_are_decimals_to_one_place(
    count: int, total: int, average: Decimal | None
) -> None:
    assert RatingSummary(count=count, total=total).average == average
