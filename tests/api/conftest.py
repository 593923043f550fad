"""A county bank with a key to the API, and households of 桂花村 and 双河村 that deal with it.

王建国's household (1-01, 桂花村) has 120 points (three stars), lets the bank see them, and has
an application waiting. 赵大海's household (2-01, 双河村) applied, then revoked its consent.
Time stands still at ``API_NOW`` unless a test moves it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.loans import services as loans
from jifen.loans.models import ApiKey, Bank, Consent, LoanApplication, LoanPolicy
from jifen.places.models import Household
from jifen.records import services as records
from tests import factories
from tests.conftest import World
from tests.points import NOW, TODAY, actor, after_notice, small_rulebook

POSTED = after_notice(3)
API_NOW = datetime(2026, 6, 20, 9, 30, tzinfo=NOW.tzinfo)


@dataclass
class BankSetup:
    world: World
    bank: Bank
    other_bank: Bank
    policy: LoanPolicy
    key: ApiKey
    secret: str
    other_secret: str
    consent: Consent
    application: LoanApplication  # 1-01's, waiting, under a live consent
    hidden_application: LoanApplication  # 2-01's, waiting, consent revoked

    @property
    def home(self) -> Household:
        return self.world.home

    @property
    def token(self) -> str:
        return self.world.home.public_token


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(API_NOW, tick=False) as traveller:
        yield traveller


def give_points(world: World, household: Household, points: int) -> None:
    """Record patrols worth ``points`` (a multiple of 10), approve them, post them, and sign a
    checkpoint of the village ledger."""
    items = small_rulebook(household.village)
    record = records.record_deed(
        actor=actor(world.people["grid_member"]),
        household=household,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        quantity=points // items.patrol.points,
        now=NOW,
    )
    records.review_record(
        actor=actor(world.people["secretary"]), record=record, approve=True, now=NOW
    )
    post_due_records(now=POSTED)
    create_checkpoint(village=household.village, now=POSTED)


@pytest.fixture
def bank_api(frozen: time_machine.Traveller, world: World) -> BankSetup:
    officer = world.people["bank_officer"]
    bank = factories.bank(world.county, officer)
    other_bank = factories.bank(world.county, name="青山村镇银行")
    policy = factories.loan_policy(bank, world.county)
    factories.loan_policy(other_bank, world.county)
    admin = actor(world.people["county_admin"])
    key, secret = loans.issue_api_key(actor=admin, bank=bank, name="信贷系统")
    _other_key, other_secret = loans.issue_api_key(actor=admin, bank=other_bank, name="系统")

    give_points(world, world.home, 120)
    head = actor(world.people["household_head"])
    consent = loans.grant_consent(actor=head, household=world.home, bank=bank, days=90, now=POSTED)
    application = loans.apply_for_loan(
        actor=head,
        household=world.home,
        bank=bank,
        amount_yuan=50_000,
        purpose="购买农机",
        now=POSTED + timedelta(hours=1),
    )

    neighbour = factories.account(
        "赵大海", Role.HOUSEHOLD_HEAD, world.neighbour_village, resident=world.neighbour_home.head
    )
    neighbour_actor = actor(neighbour)
    neighbour_consent = loans.grant_consent(
        actor=neighbour_actor, household=world.neighbour_home, bank=bank, days=30, now=POSTED
    )
    hidden = loans.apply_for_loan(
        actor=neighbour_actor,
        household=world.neighbour_home,
        bank=bank,
        amount_yuan=20_000,
        purpose="修缮房屋",
        now=POSTED + timedelta(hours=2),
    )
    loans.revoke_consent(
        actor=neighbour_actor, consent=neighbour_consent, now=POSTED + timedelta(hours=3)
    )
    return BankSetup(
        world=world,
        bank=bank,
        other_bank=other_bank,
        policy=policy,
        key=key,
        secret=secret,
        other_secret=other_secret,
        consent=consent,
        application=application,
        hidden_application=hidden,
    )


def call(method: str, path: str, secret: str | None, body: dict[str, Any] | None = None) -> Any:
    """Call the API as a bank's system would, with the key in its header."""
    headers = {"Accept-Language": "en"}
    if secret is not None:
        headers["X-API-Key"] = secret
    client = Client(headers=headers)
    url = f"/api/v1{path}"
    if method == "GET":
        return client.get(url)
    return client.generic(
        method,
        url,
        data=json.dumps(body or {}, ensure_ascii=False),
        content_type="application/json",
    )
