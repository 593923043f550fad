"""insert_rows and update_rows: what bulk_create and bulk_update would write, without the cost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.core import bulk
from jifen.ledger.models import Account, Posting
from jifen.places.models import Place
from jifen.records.models import InspectionRound
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(world: World) -> Place:
    return world.village


def test_update_rows_sets_each_row_its_own_values(village: Place) -> None:
    home = village.households.get(door_plate="1-01")
    accounts = [
        Account.objects.create(village=village, household=home, kind="household", measure=m)
        for m in ("score", "spendable")
    ]
    untouched = Account.objects.create(village=village, kind="issued", measure="score")
    bulk.update_rows(Account, ["balance"], [(accounts[0].pk, 120), (accounts[1].pk, -7)])
    balances = dict(Account.objects.values_list("pk", "balance"))
    assert balances == {accounts[0].pk: 120, accounts[1].pk: -7, untouched.pk: 0}


def test_update_rows_sends_one_statement_per_batch(village: Place, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "BATCH", 2)
    accounts = [
        Account.objects.create(village=village, kind=kind, measure=measure)
        for kind in ("issued", "redeemed")
        for measure in ("score", "spendable")
    ]
    with CaptureQueriesContext(connection) as queries:
        bulk.update_rows(Account, ["balance"], [(a.pk, n) for n, a in enumerate(accounts, 1)])
    assert len(queries) == 2
    assert sorted(Account.objects.values_list("balance", flat=True)) == [1, 2, 3, 4]
    with CaptureQueriesContext(connection) as queries:
        bulk.update_rows(Account, ["balance"], [])
    assert len(queries) == 0


def test_update_rows_refuses_a_relation(village: Place) -> None:
    with pytest.raises(ValueError, match="plain fields"):
        bulk.update_rows(Account, ["village"], [(1, village.pk)])


def test_insert_rows_writes_what_bulk_create_would(village: Place) -> None:
    moment = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    bulk.insert_rows(
        Posting,
        ["village", "kind", "posted_at"],
        [(village.pk, "lapse", moment), (village.pk, "redemption", moment)],
    )
    saved = list(Posting.objects.order_by("pk").values_list("village_id", "kind", "posted_at"))
    assert saved == [(village.pk, "lapse", moment), (village.pk, "redemption", moment)]


def test_a_name_that_is_not_a_column_is_refused() -> None:
    with pytest.raises(ValueError, match="not a column"):
        bulk.insert_rows(Place, ["children"], [(1,)])


def test_insert_rows_refuses_a_many_to_many() -> None:
    with pytest.raises(ValueError, match="not a column"):
        bulk.insert_rows(InspectionRound, ["items"], [(1,)])
