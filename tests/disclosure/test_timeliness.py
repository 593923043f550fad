"""timeliness(): on time, late, overdue and not yet due, per village and month due, hand-counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from jifen.accounts.models import User
from jifen.disclosure.models import Kind, Period, Publication
from jifen.disclosure.selectors import Timeliness, timeliness
from jifen.places.models import Place
from tests.conftest import World
from tests.disclosure.conftest import NOW, SHANGHAI


def period(village: Place, kind: str, starts_on: date, due_on: date) -> Period:
    return Period.objects.create(
        village=village,
        kind=kind,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=27),
        due_on=due_on,
        opened_at=NOW,
    )


def published(
    period: Period, at: datetime, cadre: User, supervisor: User, version: int = 1
) -> None:
    earlier = period.publications.order_by("-version").first()
    Publication.objects.create(
        period=period,
        version=version,
        corrects=earlier,
        correction_reason="更正" if earlier else "",
        title="公开",
        status=Publication.Status.PUBLISHED,
        drafted_by=cadre,
        created_at=at,
        signed_off_at=at,
        signed_off_by=supervisor,
        published_at=at,
        published_by=cadre,
    )


def test_timeliness_counts_each_village_and_month_as_computed_by_hand(world: World) -> None:
    # Given in 桂花村: April's finance due 15 May published on 15 May 23:30 local (on time)
    # and corrected on 20 May (still on time: the first version counts);
    # the first quarter's party affairs due 20 April, published 21 April (late);
    # May's finance due 15 June, not published (not yet due on 3 June);
    # an ad hoc item due 1 June, not published (overdue on 3 June);
    # the first quarter's village affairs due 20 April, published 4 June (after "today": overdue)
    cadre, supervisor = world.people["secretary"], world.people["supervisor"]
    village, neighbour = world.village, world.neighbour_village
    april = period(village, Kind.FINANCE, date(2026, 4, 1), date(2026, 5, 15))
    published(april, datetime(2026, 5, 15, 23, 30, tzinfo=SHANGHAI), cadre, supervisor)
    published(april, datetime(2026, 5, 20, 9, 0, tzinfo=SHANGHAI), cadre, supervisor, 2)
    party = period(village, Kind.PARTY, date(2026, 1, 1), date(2026, 4, 20))
    published(party, datetime(2026, 4, 21, 8, 0, tzinfo=SHANGHAI), cadre, supervisor)
    period(village, Kind.FINANCE, date(2026, 5, 1), date(2026, 6, 15))
    Period.objects.create(
        village=village,
        kind=Kind.VILLAGE,
        starts_on=date(2026, 5, 28),
        ends_on=date(2026, 5, 28),
        due_on=date(2026, 6, 1),
        is_ad_hoc=True,
        title="宅基地审批",
        opened_at=NOW,
    )
    affairs = period(village, Kind.VILLAGE, date(2026, 1, 1), date(2026, 4, 20))
    published(affairs, datetime(2026, 6, 4, 8, 0, tzinfo=SHANGHAI), cadre, supervisor)
    # and in 双河村 March's finance due 15 April, never published; a period due in July
    period(neighbour, Kind.FINANCE, date(2026, 3, 1), date(2026, 4, 15))
    period(neighbour, Kind.FINANCE, date(2026, 6, 1), date(2026, 7, 15))
    # and in 玉泉村 (not asked about) an overdue period
    period(world.far_village, Kind.FINANCE, date(2026, 3, 1), date(2026, 4, 15))

    # When the dashboards ask for April to June as of 3 June
    found = timeliness(
        [village.pk, neighbour.pk],
        first_month=date(2026, 4, 1),
        last_month=date(2026, 6, 1),
        today=date(2026, 6, 3),
    )

    # Then each village's months are as counted by hand
    assert found == {
        (village.pk, date(2026, 4, 1)): Timeliness(due=2, on_time=0, late=1, overdue=1),
        (village.pk, date(2026, 5, 1)): Timeliness(due=1, on_time=1, late=0, overdue=0),
        (village.pk, date(2026, 6, 1)): Timeliness(due=2, on_time=0, late=0, overdue=1),
        (neighbour.pk, date(2026, 4, 1)): Timeliness(due=1, on_time=0, late=0, overdue=1),
    }


def test_timeliness_takes_one_query_whatever_the_number_of_villages(
    world: World, django_assert_num_queries: Any
) -> None:
    for village in (world.village, world.neighbour_village, world.far_village):
        period(village, Kind.FINANCE, date(2026, 4, 1), date(2026, 5, 15))
    ids = [world.village.pk, world.neighbour_village.pk, world.far_village.pk]
    with django_assert_num_queries(1):
        found = timeliness(
            ids, first_month=date(2026, 5, 1), last_month=date(2026, 5, 1), today=date(2026, 6, 3)
        )
    assert sum(value.overdue for value in found.values()) == 3
