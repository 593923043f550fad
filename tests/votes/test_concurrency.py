"""A hundred villagers vote at once, and a hundred duplicates with them (PostgreSQL only).

Real threads, each with its own connection, released together at a barrier: every distinct
voter's ballot counts once, every duplicate hears "You have already voted", and nothing else
goes wrong. The server allows 100 connections in all (shared with other test runs), so the 200
attempts are dealt to 50 connections, four each in a shuffled order, and a voter's two
attempts always go to two different connections.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection

from jifen.accounts.models import Role, User
from jifen.places.models import Household, Resident, VillagerGroup
from jifen.votes import ballots, services
from jifen.votes.models import Ballot, Option, Vote
from tests import factories
from tests.conftest import World
from tests.ledger.test_concurrency import run_together
from tests.points import NOW, actor
from tests.votes.conftest import new_vote

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]

VOTERS = 100
CONNECTIONS = 50
DURING = NOW + timedelta(hours=1)


def hundred_households(world: World) -> list[User]:
    group = VillagerGroup.objects.get(village=world.village)
    heads = []
    for n in range(VOTERS):
        home = Household.objects.create(village=world.village, group=group, door_plate=f"7-{n:03d}")
        head = Resident.objects.create(
            village=world.village,
            household=home,
            name=f"户主{n:03d}",
            gender=Resident.Gender.MALE,
            birth_date=NOW.date().replace(year=1970),
            id_number=factories.id_number(),
            relation=Resident.Relation.HEAD,
        )
        home.head = head
        home.save(update_fields=["head"])
        heads.append(
            factories.account(head.name, Role.HOUSEHOLD_HEAD, world.village, resident=head)
        )
    return heads


def attempt(user: User, vote: Vote, option: Option) -> str:
    try:
        ballots.cast_ballot(actor=actor(user), vote=vote, option=option, now=DURING)
    except ballots.AlreadyVoted as refused:
        return refused.messages[0]
    return "voted"


def test_a_hundred_votes_and_a_hundred_duplicates_at_once(world: World) -> None:
    heads = hundred_households(world)
    vote = new_vote(world, Vote.Body.HOUSEHOLDS, secret=True)
    options = list(vote.options.order_by("position"))
    chosen = [options[n % 3] for n in range(VOTERS)]
    # Voter n tries twice (a double tap, or two phones): once on connection n % 50, once on
    # connection (n + 25) % 50
    work: list[list[tuple[int, int]]] = [[] for _ in range(CONNECTIONS)]
    for n in range(VOTERS):
        work[n % CONNECTIONS].append((n, 0))
        work[(n + CONNECTIONS // 2) % CONNECTIONS].append((n, 1))
    shuffler = random.Random(5)
    for attempts in work:
        shuffler.shuffle(attempts)

    def run(connection_index: int) -> list[tuple[int, int, str]]:
        return [(n, copy, attempt(heads[n], vote, chosen[n])) for n, copy in work[connection_index]]

    done, elapsed = run_together(CONNECTIONS, run)

    results = {(n, copy): said for attempts in done for n, copy, said in attempts}
    print(
        f"\n{2 * VOTERS} ballots by {VOTERS} voters on {CONNECTIONS} connections: {elapsed:.3f} s"
    )
    assert len(results) == 2 * VOTERS
    assert list(results.values()).count("voted") == VOTERS
    assert list(results.values()).count("You have already voted.") == VOTERS
    # Each voter voted exactly once, whichever of their two attempts came first
    for n in range(VOTERS):
        assert sorted([results[n, 0], results[n, 1]]) == ["You have already voted.", "voted"]
    assert Ballot.objects.filter(vote=vote).count() == VOTERS
    counts = [option.count for option in vote.options.order_by("position")]
    assert counts == [34, 33, 33]
    assert sum(counts) == VOTERS
    closed = services.close_vote(actor=None, vote=vote, now=vote.closes_at)
    assert (closed.electorate_size, closed.ballots_cast, closed.quorum_met) == (102, 100, True)


def test_the_job_and_a_cadre_closing_at_once_publish_one_result(world: World) -> None:
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    ballots.cast_ballot(
        actor=actor(world.people["household_head"]),
        vote=vote,
        option=vote.options.get(side=Option.Side.FOR),
        now=DURING,
    )
    after = vote.closes_at + timedelta(minutes=1)
    cadre = actor(world.people["secretary"])

    def close(n: int) -> object:
        if n % 2:
            return services.run_due(now=after).closed
        return services.close_vote(actor=cadre, vote=vote, now=after).status

    results, _ = run_together(10, close)

    vote.refresh_from_db()
    assert vote.status == Vote.Status.CLOSED and vote.ballots_cast == 1
    from jifen.audit.models import AuditEvent
    from jifen.notify.models import Notification

    assert AuditEvent.objects.filter(action="votes.closed").count() == 1
    assert Notification.objects.filter(kind="result").count() == 2  # the two households' heads
    assert sum(r for r in results if isinstance(r, int)) <= 1
