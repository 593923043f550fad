"""verify_ledger and the proofs: a changed ledger is found out, a downloaded proof checks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from jifen.core.idempotency import new_key
from jifen.ledger.models import Checkpoint, Entry
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.records import services
from jifen.rules.models import Item
from tests.conftest import World, log_in
from tests.points import NOW, TODAY, actor, after_notice, small_rulebook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger(world: World) -> World:
    items = small_rulebook(world.village)
    grid, secretary = actor(world.people["grid_member"]), actor(world.people["secretary"])
    for item in (items.patrol, items.labour, items.base, items.patrol):
        record = services.record_deed(
            actor=grid if item != items.base else actor(world.people["committee_member"]),
            household=world.home,
            item=item,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )
        services.review_record(actor=secretary, record=record, approve=True, now=NOW)
    post_due_records(now=after_notice())
    create_checkpoint(village=world.village, now=after_notice())
    return world


@pytest.fixture
def without_triggers(ledger: World) -> Iterator[None]:
    """Someone with the database password drops the append-only triggers."""
    with connection.cursor() as cursor:
        for table in ("ledger_entry", "ledger_checkpoint", "ledger_posting"):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
    yield


def verify(code: str) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_ledger", village=code, stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_an_untouched_ledger_verifies(ledger: World) -> None:
    ok, output = verify(ledger.village.code)
    assert ok, output
    assert f"ok {ledger.village.code} 桂花村: 14 entries, 1 checkpoints" in output


@pytest.mark.parametrize(
    ("tampering", "finding"),
    [
        (
            "UPDATE ledger_entry SET amount = 100 WHERE seq = 1",
            "entry #1: its contents do not match its hash",
        ),
        (
            "UPDATE ledger_entry SET balance_after = 99 WHERE seq = 5",
            "entry #5: its contents do not match its hash",
        ),
        (
            "DELETE FROM ledger_entry WHERE seq = 14",
            "checkpoint of size 14 is larger than the ledger (13 entries)",
        ),
        ("DELETE FROM ledger_entry WHERE seq = 3", "entry #4: expected sequence number 3"),
        (
            "UPDATE ledger_checkpoint SET root_hash = '" + "0" * 64 + "'",
            "checkpoint of size 14 signed",
        ),
        (
            "UPDATE ledger_account SET balance = balance + 5 WHERE household_id IS NOT NULL",
            "balance",
        ),
    ],
)
def test_a_change_behind_the_applications_back_is_found(
    ledger: World, without_triggers: None, tampering: str, finding: str
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(tampering)
    ok, output = verify(ledger.village.code)
    assert not ok
    assert finding in output


def test_a_forged_signature_is_found(ledger: World, without_triggers: None) -> None:
    checkpoint = Checkpoint.objects.get(village=ledger.village)
    forged = bytearray(bytes(checkpoint.signature))
    forged[0] ^= 1
    Checkpoint.objects.filter(pk=checkpoint.pk).update(signature=bytes(forged))
    ok, output = verify(ledger.village.code)
    assert not ok
    assert "signature does not verify" in output


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_chain(
    ledger: World, without_triggers: None
) -> None:
    # Even a forger who re-hashes one entry cannot make its successor point at the new hash
    # without rewriting every later entry, and then the signed root no longer matches.
    Entry.objects.filter(village=ledger.village, seq=2).update(entry_hash="f" * 64)
    ok, output = verify(ledger.village.code)
    assert not ok
    assert "entry #2" in output


def test_the_household_downloads_a_proof_that_the_standalone_verifier_accepts(
    ledger: World, client: Client, tmp_path: Path
) -> None:
    log_in(client, ledger.people["household_head"])
    entry = Entry.objects.filter(village=ledger.village, account__household=ledger.home).first()
    assert entry is not None
    response = client.get(reverse("entry_proof", args=[ledger.village.code, entry.seq]))
    assert response.status_code == 200
    path = tmp_path / "proof.json"
    path.write_bytes(response.content)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "jifen_verify.py"), "inclusion", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    document = json.loads(response.content)
    assert document["tree_size"] == 14 and document["leaf_index"] == entry.seq - 1


def test_another_household_cannot_download_my_proof(ledger: World, client: Client) -> None:
    log_in(client, ledger.people["household_head"])
    entry = Entry.objects.filter(village=ledger.village, account__household__isnull=True).first()
    assert entry is not None
    assert (
        client.get(reverse("entry_proof", args=[ledger.village.code, entry.seq])).status_code == 403
    )


def test_a_checkpoint_is_signed_on_demand_and_a_consistency_proof_is_served(
    ledger: World, client: Client, tmp_path: Path
) -> None:
    # Given a checkpoint of 14 entries, and then one more posted record (4 entries)
    patrol = Item.objects.get(version__rulebook__owner=ledger.village, code="A02")
    record = services.record_deed(
        actor=actor(ledger.people["grid_member"]),
        household=ledger.home,
        item=patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    services.review_record(
        actor=actor(ledger.people["secretary"]), record=record, approve=True, now=NOW
    )
    post_due_records(now=after_notice(4))
    # When a cadre signs a checkpoint on demand
    out = StringIO()
    call_command("sign_checkpoint", village=ledger.village.code, stdout=out)
    assert out.getvalue().startswith(f"{ledger.village.code} 桂花村: 18 entries, root ")
    # Then anyone of the village gets a proof that it extends the older one, and it checks
    log_in(client, ledger.people["representative"])
    response = client.get(reverse("consistency_proof", args=[ledger.village.code, 14, 18]))
    assert response.status_code == 200
    path = tmp_path / "consistency.json"
    path.write_bytes(response.content)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "jifen_verify.py"), "consistency", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert verify(ledger.village.code)[0]
