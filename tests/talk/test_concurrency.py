"""Likes, replies, tasks, ratings and hiding racing each other on real parallel connections
(PostgreSQL only): the database keeps each rule, and a lost race reads as "already"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.notify.models import Notification
from jifen.talk import services
from jifen.talk.models import Comment, Like, Rating, Task
from tests import factories
from tests.conftest import World
from tests.ledger.test_concurrency import run_together
from tests.points import actor
from tests.talk.conftest import NOW, comment, done, hand_out, raise_matter

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]
RACERS = 12


def refusal(work: Callable[[int], object]) -> Callable[[int], object]:
    """``work``, with a refusal turned into its message."""

    def attempt(index: int) -> object:
        try:
            return work(index)
        except ValidationError as refused:
            return refused.messages[0]

    return attempt


def test_many_likes_at_once(world: World) -> None:
    matter = raise_matter(world)
    villagers = [
        actor(factories.account(f"村民{n}", Role.VILLAGER, world.village)) for n in range(RACERS)
    ]
    head = actor(world.people["household_head"])
    # Each villager likes once; the head taps like many times at once
    changed, _ = run_together(
        RACERS * 2,
        lambda i: services.set_like(
            actor=villagers[i] if i < RACERS else head, matter=matter, liked=True
        ),
    )
    assert changed[:RACERS] == [True] * RACERS
    assert sorted(changed[RACERS:]) == [False] * (RACERS - 1) + [True]
    assert Like.objects.filter(matter=matter).count() == RACERS + 1


def test_cadres_replying_at_once_set_the_first_reply_once(world: World) -> None:
    matter = raise_matter(world)
    cadres = ["secretary", "committee_member"] * (RACERS // 2)
    replies, _ = run_together(
        RACERS,
        lambda i: services.comment_on(
            actor=actor(world.people[cadres[i]]),
            matter=matter,
            text=f"回复{i}",
            idempotency_key=new_key(),
            now=NOW + timedelta(minutes=i + 1),
        ),
    )
    matter.refresh_from_db()
    assert Comment.objects.filter(matter=matter, is_official=True).count() == RACERS
    assert matter.first_reply_at in {reply.created_at for reply in replies}
    first = [
        reply
        for reply in replies
        if Comment.objects.filter(pk=reply.pk).exists()
        and reply.created_at == matter.first_reply_at
    ]
    assert len(first) == 1
    assert Notification.objects.filter(kind=Notification.Kind.REPLY).count() == RACERS


def test_one_task_however_many_hand_it_out_at_once(world: World) -> None:
    matter = raise_matter(world)
    secretary = actor(world.people["secretary"])
    member = world.people["committee_member"]
    results, _ = run_together(
        RACERS,
        refusal(
            lambda i: services.create_task(
                actor=secretary,
                matter=matter,
                text=f"任务{i}",
                assignees=[member],
                due_on=timezone.localdate() + timedelta(days=30),
            )
        ),
    )
    assert sum(isinstance(result, Task) for result in results) == 1
    assert [r for r in results if not isinstance(r, Task)] == [
        "This matter has a task already."
    ] * (RACERS - 1)
    assert Task.objects.count() == 1


def test_a_rating_per_person_however_many_taps(world: World) -> None:
    task = done(world, hand_out(world, raise_matter(world)), now=None)
    villager = actor(world.people["villager"])
    results, _ = run_together(
        RACERS,
        refusal(lambda i: services.rate(actor=villager, task=task, stars=i % 5 + 1, comment="好")),
    )
    assert sum(isinstance(result, Rating) for result in results) == 1
    assert [r for r in results if not isinstance(r, Rating)] == [
        "You have rated this task already."
    ] * (RACERS - 1)
    assert Rating.objects.count() == 1


def test_a_comment_is_hidden_once(world: World) -> None:
    rude = comment(world, raise_matter(world), "household_head", "乱说")
    cadres = [actor(world.people["secretary"]), actor(world.people["committee_member"])]
    results, _ = run_together(
        RACERS,
        refusal(
            lambda i: services.hide_comment(actor=cadres[i % 2], comment=rude, reason=f"理由{i}")
        ),
    )
    assert sum(isinstance(result, Comment) for result in results) == 1
    assert Notification.objects.filter(kind=Notification.Kind.COMMENT_HIDDEN).count() == 1
