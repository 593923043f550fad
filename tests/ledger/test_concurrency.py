"""Posting and idempotent submission under real parallel connections (PostgreSQL only).

Each worker thread has its own database connection (Django's are per thread), waits at a
barrier so that all of them start at once, and closes its connection when done. On SQLite a
write takes the whole database, so there is no race left to test there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Count
from django.utils import translation

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.core.models import IdempotentRequest
from jifen.ledger.models import Entry, Measure, Posting, Standing
from jifen.ledger.selectors import balances
from jifen.ledger.services import post_due_records, post_record
from jifen.ledger.verify import verify_village
from jifen.places.models import Household, Place
from jifen.records import services
from jifen.records.models import Record
from jifen.rules.models import Item
from tests import factories
from tests.conftest import World
from tests.points import NOW, TODAY, Items, actor, after_notice, small_rulebook

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]

T = TypeVar("T")


def run_together(count: int, work: Callable[[int], T]) -> tuple[list[T], float]:
    """Run ``work(0)`` … ``work(count - 1)`` in as many threads, released at once.

    Returns the results in order and the seconds from the release to the last one finishing;
    any exception in a thread is raised here.
    """
    barrier = threading.Barrier(count + 1, timeout=60)
    # The active language is per thread: the racers speak the test's language.
    language = translation.get_language()

    def worker(index: int) -> T:
        try:
            connection.ensure_connection()  # connect before the start, not during the race
            barrier.wait()
            with translation.override(language):
                return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(worker, index) for index in range(count)]
        barrier.wait()
        started = time.perf_counter()
        results = [future.result(timeout=120) for future in futures]
        elapsed = time.perf_counter() - started
    return results, elapsed


def approved_deeds(
    households: list[Household], count: int, item: Item, *, recorder: Actor, reviewer: Actor
) -> list[int]:
    """``count`` records, round-robin over the households, approved at NOW."""
    ids = []
    for n in range(count):
        record = services.record_deed(
            actor=recorder,
            household=households[n % len(households)],
            item=item,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )
        services.review_record(actor=reviewer, record=record, approve=True, now=NOW)
        ids.append(record.pk)
    return ids


def assert_chain_whole(village: Place) -> None:
    seqs = list(Entry.objects.filter(village=village).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    report = verify_village(village)
    assert report.ok, report.problem


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


def test_twenty_connections_post_to_one_household_at_once(world: World, items: Items) -> None:
    ids = approved_deeds(
        [world.home],
        20,
        items.patrol,
        recorder=actor(world.people["grid_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    moment = after_notice()

    postings, elapsed = run_together(20, lambda n: post_record(record_id=ids[n], now=moment))

    print(f"\n20 parallel post_record calls on one household: {elapsed:.3f} s")
    assert [posting.record_id if posting else None for posting in postings] == ids
    assert Record.objects.filter(pk__in=ids, status=Record.Status.POSTED).count() == 20
    assert Posting.objects.filter(record_id__in=ids).count() == 20
    assert balances(world.home) == {Measure.SCORE: 200, Measure.SPENDABLE: 200}
    assert Standing.objects.get(household=world.home).score == 200
    assert Entry.objects.filter(village=world.village).count() == 80
    assert_chain_whole(world.village)


def test_twenty_posting_jobs_at_once_post_each_record_once(world: World, items: Items) -> None:
    # Sixty due records: three households of 桂花村 and one of 双河村, with its own rulebook.
    third = factories.household(world.village, "1-03", "张桂英")
    cadre_home = Household.objects.get(village=world.village, door_plate="1-02")
    neighbour_items = small_rulebook(world.neighbour_village)
    ours = approved_deeds(
        [world.home, cadre_home, third],
        45,
        items.patrol,
        recorder=actor(world.people["grid_member"]),
        reviewer=actor(world.people["committee_member"]),
    )
    theirs = approved_deeds(
        [world.neighbour_home],
        15,
        neighbour_items.yard,
        recorder=actor(world.people["neighbour_secretary"]),
        reviewer=actor(factories.account("钱委员", Role.COMMITTEE_MEMBER, world.neighbour_village)),
    )
    moment = after_notice()

    counts, elapsed = run_together(20, lambda n: post_due_records(now=moment))

    print(f"\n20 parallel post_due_records runs over 60 due records: {elapsed:.3f} s")
    assert sum(counts) == 60
    twice = Posting.objects.values("record_id").annotate(n=Count("id")).filter(n__gt=1).count()
    assert twice == 0
    assert Posting.objects.filter(record_id__in=ours + theirs).count() == 60
    assert not Record.objects.exclude(status=Record.Status.POSTED).exists()
    for household in (world.home, cadre_home, third):
        assert balances(household) == {Measure.SCORE: 150, Measure.SPENDABLE: 150}
    assert balances(world.neighbour_home) == {Measure.SCORE: 45, Measure.SPENDABLE: 45}
    assert_chain_whole(world.village)
    assert_chain_whole(world.neighbour_village)


def test_ten_connections_send_the_same_declaration_with_one_key(world: World, items: Items) -> None:
    key = new_key()
    villager = world.people["villager"]

    def declare(_n: int) -> int:
        return services.declare_deed(
            actor=actor(villager),
            household=world.home,
            item=items.labour,
            occurred_on=TODAY,
            quantity=2,
            idempotency_key=key,
            now=NOW,
        ).pk

    record_ids, elapsed = run_together(10, declare)

    print(f"\n10 parallel declarations with one key: {elapsed:.3f} s")
    record = Record.objects.get()
    assert record_ids == [record.pk] * 10
    assert (record.household_id, record.points, record.route) == (
        world.home.pk,
        10,
        Record.Route.DECLARED,
    )
    assert IdempotentRequest.objects.filter(user=villager, key=key).count() == 1


def test_declarations_sent_at_once_stay_within_the_cap(world: World, items: Items) -> None:
    """Labour is capped at 20 points a month. The household head and a child, on two phones,
    each send several declarations of all 20 points at the same moment: one may pass."""
    members = [world.people["household_head"], world.people["villager"]]

    def declare(n: int) -> str:
        try:
            services.declare_deed(
                actor=actor(members[n % 2]),
                household=world.home,
                item=items.labour,
                occurred_on=TODAY,
                quantity=4,
                idempotency_key=new_key(),
                now=NOW,
            )
        except ValidationError as error:
            return error.messages[0]
        return "accepted"

    outcomes, elapsed = run_together(10, declare)

    print(f"\n10 parallel declarations against one cap: {elapsed:.3f} s")
    assert outcomes.count("accepted") == 1, outcomes
    assert Record.objects.filter(household=world.home, item=items.labour).count() == 1
