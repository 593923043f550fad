"""Villages of one county posting at once keep its score counts exact (PostgreSQL only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jifen.accounts.models import Role
from jifen.ledger import ranking
from jifen.ledger.models import ScoreCount
from jifen.ledger.services import post_records
from jifen.places.models import Place
from tests import factories
from tests.conftest import World
from tests.ledger.test_concurrency import approved_deeds, run_together
from tests.points import actor, small_rulebook

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]

BATCHES = 6
PER_BATCH = 5


def test_three_villages_of_one_county_posting_at_once_keep_exact_counts(world: World) -> None:
    # Given three villages (two townships) with 30 approved records each, over six households
    villages = [world.village, world.neighbour_village, world.far_village]
    secretaries = [
        world.people["secretary"],
        world.people["neighbour_secretary"],
        factories.account("孙书记", Role.SECRETARY, world.far_village),
    ]
    work: list[tuple[Place, list[int]]] = []
    for village, secretary in zip(villages, secretaries, strict=True):
        items = small_rulebook(village)
        homes = [factories.household(village, f"6-{n:02d}", "周六户") for n in range(6)]
        recorder = actor(factories.account(f"{village.name}委员", Role.COMMITTEE_MEMBER, village))
        ids = approved_deeds(
            homes, 20, items.patrol, recorder=recorder, reviewer=actor(secretary)
        ) + approved_deeds(
            homes[:3], 10, items.littering, recorder=recorder, reviewer=actor(secretary)
        )
        work.append((Place.objects.select_related("parent").get(pk=village.pk), ids))
    moment = timezone.now() - timedelta(days=1)

    # When each village posts them in six transactions, all three at the same time
    def post_in_batches(index: int) -> int:
        village, ids = work[index]
        return sum(
            len(post_records(village=village, record_ids=ids[n : n + PER_BATCH], now=moment))
            for n in range(0, len(ids), PER_BATCH)
        )

    posted, _ = run_together(len(work), post_in_batches)

    # Then everything is posted, and the counts are those a rebuild finds
    assert posted == [30, 30, 30]
    year = timezone.localdate(moment).year
    counts = dict(
        ((row.place_id, row.year, row.score), row.households)
        for row in ScoreCount.objects.exclude(households=0)
    )
    assert counts == ranking.counted_scores()
    county = ranking.position(world.home, scope="county")
    assert (county.rank, county.of) == (19, 22)  # 18 new households above the 4 of the world
    # In each village: 40 - 20, 40 - 15, 30 - 15, and three households at 30
    assert {
        score: n for (place, y, score), n in counts.items() if (place, y) == (world.county.pk, year)
    } == {
        15: 3,
        20: 3,
        25: 3,
        30: 9,
    }
