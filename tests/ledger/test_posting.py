"""From deed to posted points: review, notice, objection, posting, correction."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from jifen.core.idempotency import new_key
from jifen.ledger.models import Account, Entry, Measure, Standing
from jifen.ledger.selectors import balances
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.ledger.verify import verify_village
from jifen.records import services
from jifen.records.models import Record
from tests.conftest import World
from tests.points import NOW, TODAY, actor, after_notice, small_rulebook


@pytest.fixture
def items(world: World):
    return small_rulebook(world.village)


def test_a_recorded_deed_posts_after_its_notice(world: World, items) -> None:
    grid = actor(world.people["grid_member"])
    record = services.record_deed(
        actor=grid,
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    services.review_record(
        actor=actor(world.people["secretary"]), record=record, approve=True, now=NOW
    )
    # Not before the window closes
    assert post_due_records(now=after_notice(2)) == 0
    assert post_due_records(now=after_notice(3)) == 1
    record.refresh_from_db()
    assert record.status == Record.Status.POSTED
    assert balances(world.home) == {Measure.SCORE: 10, Measure.SPENDABLE: 10}
    entries = list(Entry.objects.filter(record=record).order_by("seq"))
    assert [(e.seq, e.amount, e.balance_after) for e in entries] == [
        (1, 10, 10),
        (2, -10, -10),
        (3, 10, 10),
        (4, -10, -10),
    ]
    assert Standing.objects.get(household=world.home).score == 10
    # Posting twice posts nothing more
    assert post_due_records(now=after_notice(5)) == 0
    create_checkpoint(village=world.village, now=after_notice(3))
    assert verify_village(world.village).ok


def test_the_recorder_never_approves_and_nobody_reviews_their_own_household(
    world: World, items
) -> None:
    secretary = actor(world.people["secretary"])
    record = services.record_deed(
        actor=secretary,
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    with pytest.raises(PermissionDenied, match="不能审核自己登记的记录"):
        services.review_record(actor=secretary, record=record, approve=True, now=NOW)
    own = services.record_deed(
        actor=secretary,
        household=secretary_home(world),
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    committee = actor(world.people["committee_member"])
    services.review_record(actor=committee, record=own, approve=True, now=NOW)
    record.refresh_from_db()
    assert record.status == Record.Status.PENDING


def test_entries_cannot_be_changed_or_deleted_even_with_sql(world: World, items) -> None:
    grid = actor(world.people["grid_member"])
    record = services.record_deed(
        actor=grid,
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    services.review_record(
        actor=actor(world.people["secretary"]), record=record, approve=True, now=NOW
    )
    post_due_records(now=after_notice())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entry SET amount = 1000 WHERE seq = 1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry")
    assert Entry.objects.get(village=world.village, seq=1).amount == 10
    assert Account.objects.filter(household=world.home).count() == 2


def secretary_home(world: World):
    resident = world.people["secretary"].resident
    assert resident is not None
    return resident.household
