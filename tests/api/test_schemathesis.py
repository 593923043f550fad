"""Schemathesis drives the API from its own OpenAPI document, in process, with a valid key.

Every generated request, valid or deliberately broken, must get an answer the document
describes (status, content type, headers, body) and never a server error.

The number of cases run is printed at the end (``pytest -rP`` shows it) and recorded as the
``schemathesis_cases`` property of the test in JUnit XML.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from jifen.loans import services as loans
from jifen.loans.models import LoanApplication
from tests.api.conftest import BankSetup
from tests.points import actor

MIN_CASES_PER_OPERATION = 40


class Targets:
    """Real tokens and ids: consented, not consented, and another bank's application.

    Random tokens and ids almost never exist. Of the well-formed ones, three in four are
    replaced by a real one, in turn, so that the successful paths are fuzzed too; malformed
    ones are left alone, as they test the validation.
    """

    def __init__(self, real: dict[str, list[Any]]) -> None:
        self.real = real
        self.turn = itertools.count()

    def aim(self, case: Any) -> None:
        for name, real in self.real.items():
            value = (case.path_parameters or {}).get(name)
            if well_formed(name, value):
                pick = next(self.turn) % (len(real) + 1)
                if pick < len(real):
                    case.path_parameters[name] = real[pick]


def well_formed(name: str, value: object) -> bool:
    if name == "token":
        return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,32}", value) is not None
    return type(value) is int and value >= 1


@pytest.fixture
def targets(bank_api: BankSetup) -> Iterator[Targets]:
    head = actor(bank_api.world.people["household_head"])
    loans.grant_consent(actor=head, household=bank_api.home, bank=bank_api.other_bank, days=30)
    theirs = loans.apply_for_loan(
        actor=head, household=bank_api.home, bank=bank_api.other_bank, amount_yuan=9000, purpose="x"
    )
    yield Targets(
        {
            "token": [bank_api.token, bank_api.world.far_home.public_token],
            "application_id": [
                bank_api.application.pk,
                bank_api.hidden_application.pk,
                theirs.pk,
            ],
        }
    )
    # Without consent, or at another bank, nothing was decided.
    for untouched in (bank_api.hidden_application, theirs):
        untouched.refresh_from_db()
        assert untouched.status == LoanApplication.Status.SUBMITTED


@pytest.fixture
def in_process(bank_api: BankSetup, settings: Any) -> Iterator[None]:
    # Generous, so that the limit does not answer for the API.
    settings.JIFEN_API_RATE_PER_MINUTE = 1_000_000
    # As Django's test client does: a request must not close the test's database connection,
    # which holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def totals() -> Iterator[Counter[tuple[str, int]]]:
    """Answers by operation and status over the module (per worker under pytest-xdist)."""
    answers: Counter[tuple[str, int]] = Counter()
    started = time.monotonic()
    yield answers
    seconds = time.monotonic() - started
    print(f"\nschemathesis: {answers.total()} cases in {seconds:.1f} s")
    for (label, status), count in sorted(answers.items()):
        print(f"  {count:5d}  {status}  {label}")


@pytest.fixture
def tally(
    totals: Counter[tuple[str, int]], record_property: Any
) -> Iterator[Counter[tuple[str, int]]]:
    answers: Counter[tuple[str, int]] = Counter()
    yield answers
    totals.update(answers)
    record_property("schemathesis_cases", answers.total())
    assert answers.total() >= MIN_CASES_PER_OPERATION
    # The real households and applications were reached, not only random ones.
    assert 200 in {status for _label, status in answers}


# Loaded when the tests are collected: serving the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@hypothesis.settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
@schema.parametrize()
def test_the_api_keeps_to_its_document(
    case: Any,
    in_process: None,
    bank_api: BankSetup,
    targets: Targets,
    tally: Counter[tuple[str, int]],
) -> None:
    targets.aim(case)
    response = case.call_and_validate(headers={"X-API-Key": bank_api.secret})
    tally[case.operation.label, response.status_code] += 1
