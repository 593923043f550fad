"""Inspectors saving the same household in the same round at once, on real parallel
connections (PostgreSQL only): one inspection row, no error, and the last result stands."""

from __future__ import annotations

import pytest
from django.db import connection

from jifen.audit.models import AuditEvent
from jifen.campaigns import services
from jifen.campaigns.models import Inspection
from tests.campaigns.conftest import IN_ROUND, Drive
from tests.conftest import World
from tests.ledger.test_concurrency import run_together
from tests.points import actor

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]
RACERS = 8


def test_the_same_household_inspected_at_once_has_one_inspection(
    world: World, drive: Drive
) -> None:
    # Given the secretary and the committee member, each on several phones
    inspectors = [actor(world.people["secretary"]), actor(world.people["committee_member"])]
    home = drive.homes["1-03"]

    # When they all save 1-03 in round 1 at the same moment, half passing and half failing it
    saved, _ = run_together(
        RACERS,
        lambda i: services.inspect(
            actor=inspectors[i % 2],
            round_=drive.rounds[0],
            household=home,
            passed=i % 2 == 0,
            failed_items=[] if i % 2 == 0 else [drive.items[0]],
            now=IN_ROUND[1],
        ),
    )

    # Then every save succeeded on the one row, and the row holds one of the results whole
    inspection = Inspection.objects.get(round=drive.rounds[0], household=home)
    assert {s.pk for s in saved} == {inspection.pk}
    failed = list(inspection.failed_items.all())
    assert failed == ([] if inspection.passed else [drive.items[0]])
    assert AuditEvent.objects.filter(action="campaign.inspected").count() == RACERS
