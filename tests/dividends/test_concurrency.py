"""Steps of one round taken at the same moment (PostgreSQL only): the round's lock decides.

On SQLite a write takes the whole database, so there is no race left to test there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from jifen.audit.models import AuditEvent
from jifen.dividends import services
from jifen.dividends.models import DividendRound, DividendShare
from tests.conftest import World
from tests.dividends.conftest import JULY_5, POOL_FEN, draft, june_points
from tests.points import Items

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(0)`` … ``work(count - 1)`` in as many threads, released at once; each
    returns its result or the ValidationError it raised."""
    barrier = threading.Barrier(count + 1, timeout=60)

    def worker(index: int) -> object:
        try:
            connection.ensure_connection()
            barrier.wait()
            try:
                return work(index)
            except ValidationError as error:
                return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(worker, index) for index in range(count)]
        barrier.wait()
        return [future.result(timeout=120) for future in futures]


def test_a_round_is_published_once_and_finalised_once(world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = draft(world)
    published = run_together(
        4, lambda n: services.publish_notice(actor=None, dividend_round=dividend_round, now=JULY_5)
    )
    assert sum(isinstance(result, DividendRound) for result in published) == 1
    assert AuditEvent.objects.filter(action="dividend.publish").count() == 1
    later = JULY_5 + timedelta(days=4)
    finalised = run_together(
        4, lambda n: services.finalise_round(actor=None, dividend_round=dividend_round, now=later)
    )
    assert sum(isinstance(result, DividendRound) for result in finalised) == 1
    assert AuditEvent.objects.filter(action="dividend.finalise").count() == 1


def test_computing_again_while_publishing_leaves_one_consistent_list(
    world: World, items: Items
) -> None:
    june_points(world, items)
    dividend_round = draft(world)

    def step(n: int) -> object:
        if n % 2:
            return services.publish_notice(actor=None, dividend_round=dividend_round, now=JULY_5)
        return services.recompute_round(actor=None, dividend_round=dividend_round, now=JULY_5)

    run_together(6, step)
    dividend_round.refresh_from_db()
    assert dividend_round.status == DividendRound.Status.ON_NOTICE
    shares = DividendShare.objects.filter(dividend_round=dividend_round)
    assert shares.count() == 2
    assert sum(share.payout_fen for share in shares) == POOL_FEN
