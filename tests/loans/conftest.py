"""A county bank with its officer and policy, and points posted to 桂花村's ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jifen.accounts.models import Role, User
from jifen.core.idempotency import new_key
from jifen.ledger.services import post_due_records
from jifen.loans.models import Bank, BankOfficer, LoanPolicy
from jifen.places.models import Household
from jifen.records.services import record_deed, review_record
from tests import factories
from tests.conftest import World
from tests.points import NOW, TODAY, Items, actor, after_notice, small_rulebook


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    """These tests read the English messages; the Chinese catalogue is checked elsewhere."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


@pytest.fixture
def bank(world: World) -> Bank:
    return factories.bank(world.county, world.people["bank_officer"])


@pytest.fixture
def policy(bank: Bank, world: World) -> LoanPolicy:
    """4.35 % less 0.1 percentage point per 100 points, at most 1; from 1 star."""
    return factories.loan_policy(bank, world.county)


def give_points(
    world: World, items: Items, points: int, household: Household | None = None
) -> None:
    """Post ``points`` (a multiple of 10) to a household of 桂花村 (王建国's by default)."""
    assert points % 10 == 0 and points > 0
    record = record_deed(
        actor=actor(world.people["grid_member"]),
        household=household or world.home,
        item=items.patrol,
        quantity=points // 10,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    review_record(actor=actor(world.people["secretary"]), record=record, approve=True, now=NOW)
    assert post_due_records(now=after_notice()) == 1


def another_officer(world: World, bank: Bank | None = None, name: str = "孙信贷") -> User:
    """An account with the bank officer role in the county, working for ``bank`` if given."""
    user = factories.account(name, Role.BANK_OFFICER, world.county)
    if bank is not None:
        BankOfficer.objects.create(bank=bank, user=user)
    return user
