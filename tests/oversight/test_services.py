"""check_ledgers: every village's ledger verified and the outcome kept."""

from __future__ import annotations

import pytest

from jifen.ledger.models import Checkpoint, Entry
from jifen.ledger.services import create_checkpoint
from jifen.oversight.models import LedgerCheck
from jifen.oversight.services import check_ledgers
from tests.conftest import World
from tests.points import NOW, actor, earn, small_rulebook

pytestmark = pytest.mark.django_db


def test_check_ledgers_checks_every_village(world: World) -> None:
    # Given 桂花村 with two posted records and a signed checkpoint; the others are empty
    items = small_rulebook(world.village)
    people = world.people
    earn(
        [world.home],
        items.patrol,
        times=2,
        recorder=actor(people["committee_member"]),
        reviewer=actor(people["secretary"]),
    )
    create_checkpoint(village=world.village, now=NOW)
    # When the job runs
    checked = check_ledgers(now=NOW)
    # Then each of the three villages has one check, and 桂花村's verifies 8 entries
    assert checked == 3
    checks = {check.village.name: check for check in LedgerCheck.objects.select_related("village")}
    assert sorted(checks) == ["双河村", "桂花村", "玉泉村"]
    guihua = checks["桂花村"]
    assert (guihua.ok, guihua.entries, guihua.checkpoint_tree_size, guihua.problem) == (
        True,
        8,
        8,
        "",
    )
    assert guihua.checked_at == NOW
    empty = checks["玉泉村"]
    assert (empty.ok, empty.entries, empty.checkpoint_tree_size, empty.checkpoint_signed_at) == (
        True,
        0,
        None,
        None,
    )


def test_a_ledger_that_does_not_verify_is_stored_as_failed(world: World) -> None:
    # Given 桂花村's ledger, whose last checkpoint claims more entries than there are
    items = small_rulebook(world.village)
    earn(
        [world.home],
        items.patrol,
        times=1,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    checkpoint = create_checkpoint(village=world.village, now=NOW)
    assert Entry.objects.filter(village=world.village).count() == 4
    Checkpoint.objects.create(
        village=world.village,
        tree_size=9,
        root_hash="0" * 64,
        signed_at=NOW,
        signed_at_text=checkpoint.signed_at_text,
        key=checkpoint.key,
        signature=bytes(checkpoint.signature),
    )
    # When the job runs
    check_ledgers(now=NOW)
    # Then the check failed, with the problem in words; the other villages still verify
    failed = LedgerCheck.objects.get(village=world.village)
    assert not failed.ok
    assert failed.problem == (
        "checkpoint of size 9 is larger than the ledger (4 entries): entries were removed"
    )
    assert LedgerCheck.objects.filter(ok=True).count() == 2
