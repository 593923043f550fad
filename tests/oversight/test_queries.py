"""The dashboards and their exports run the same number of queries with 2 villages as with 6:
every figure comes from grouped queries, never one per village."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jifen.accounts.models import Role, User
from jifen.disclosure.models import Kind
from jifen.ledger.services import post_due_records
from jifen.oversight.services import check_ledger, seal_months
from jifen.places.models import Place
from tests import factories
from tests.conftest import log_in
from tests.oversight.conftest import NOW, at, flag, matter_in, period, record
from tests.points import small_rulebook

pytestmark = pytest.mark.django_db


def busy_county(code: str, villages_per_township: list[int]) -> tuple[Place, list[Place], User]:
    """A county whose villages each have two households, a posted record, one waiting for
    review, a matter with a reply, a disclosure due, a ledger check and an unreviewed flag;
    and its county admin."""
    county = factories.county(code, f"县{code[3:6]}")
    townships = []
    serial = 0
    for number, count in enumerate(villages_per_township, start=1):
        township = factories.township(county, f"{code[:6]}1{number:02d}000", f"镇{number}")
        townships.append(township)
        for _ in range(count):
            serial += 1
            village = factories.village(
                township, f"{code[:6]}1{number:02d}{200 + serial}", f"村{serial}"
            )
            items = small_rulebook(village)
            homes = [factories.household(village, f"{serial}-0{n}", f"王{n}") for n in (1, 2)]
            recorder = factories.account(f"委员{serial}", Role.COMMITTEE_MEMBER, village)
            reviewer = factories.account(f"书记{serial}", Role.SECRETARY, village)
            villager = factories.account(f"村民{serial}", Role.VILLAGER, village)
            record(recorder, homes[0], items.patrol, at(6, 5), reviewer=reviewer)
            record(recorder, homes[1], items.labour, at(6, 10))
            matter_in(village, villager, reviewer, at(6, 1, 9), at(6, 1, 11))
            period(village, Kind.FINANCE, date(2026, 6, 15), at(6, 14))
            flag(village, f"recorder:{serial}")
    post_due_records(now=at(6, 9))
    for village in Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path):
        check_ledger(village=village, now=at(6, 19))
    admin = factories.account(f"县管{code[3:6]}", Role.COUNTY_ADMIN, county)
    return county, townships, admin


def queries_of(client: Client, user: User, url: str) -> int:
    log_in(client, user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def same_queries(
    client: Client,
    assert_num_queries: Any,
    expected: int,
    small: tuple[User, str],
    large: tuple[User, str],
) -> bytes:
    """``small`` and ``large`` each cost exactly ``expected`` queries; the page of ``large``."""
    for user, url in (small, large):
        log_in(client, user)
        with assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
    return response.content


Url = Callable[[Place], str]


@time_machine.travel(NOW, tick=False)
def test_the_township_dashboard_costs_the_same_for_6_villages_as_for_2(
    client: Client, django_assert_num_queries: Any
) -> None:
    # Given a township of 2 busy villages and another of 6
    _, (small,), small_admin = busy_county("510682000000", [2])
    _, (large,), large_admin = busy_county("510683000000", [6])
    # When each is shown, then each costs exactly 18 queries
    response = same_queries(
        client,
        django_assert_num_queries,
        18,
        (small_admin, reverse("oversight_township", args=[small.code])),
        (large_admin, reverse("oversight_township", args=[large.code])),
    )
    assert response.decode().count("<canvas ") == 4


@time_machine.travel(NOW, tick=False)
def test_the_county_dashboard_costs_the_same_for_6_villages_as_for_2(
    client: Client, django_assert_num_queries: Any
) -> None:
    # Given a county of 2 villages in one township and another of 6 in two townships
    small, _, small_admin = busy_county("510682000000", [2])
    large, _, large_admin = busy_county("510683000000", [3, 3])
    # When each is shown, then each costs exactly 18 queries
    response = same_queries(
        client,
        django_assert_num_queries,
        18,
        (small_admin, reverse("oversight_county", args=[small.code])),
        (large_admin, reverse("oversight_county", args=[large.code])),
    )
    assert response.decode().count("<canvas ") == 4


@pytest.mark.parametrize("table", ["participation", "points", "reviews", "replies", "villages"])
@time_machine.travel(NOW, tick=False)
def test_the_township_exports_cost_the_same_for_6_villages_as_for_2(
    client: Client, django_assert_num_queries: Any, table: str
) -> None:
    _, (small,), small_admin = busy_county("510682000000", [2])
    _, (large,), large_admin = busy_county("510683000000", [6])
    same_queries(
        client,
        django_assert_num_queries,
        17,
        (small_admin, reverse("oversight_township_export", args=[small.code, table])),
        (large_admin, reverse("oversight_township_export", args=[large.code, table])),
    )


@pytest.mark.parametrize("table", ["participation", "townships", "villages"])
@time_machine.travel(NOW, tick=False)
def test_the_county_exports_cost_the_same_for_6_villages_as_for_2(
    client: Client, django_assert_num_queries: Any, table: str
) -> None:
    small, _, small_admin = busy_county("510682000000", [2])
    large, _, large_admin = busy_county("510683000000", [3, 3])
    same_queries(
        client,
        django_assert_num_queries,
        17,
        (small_admin, reverse("oversight_county_export", args=[small.code, table])),
        (large_admin, reverse("oversight_county_export", args=[large.code, table])),
    )


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_is_a_fixed_number_of_queries(client: Client) -> None:
    # Given a township of 2 busy villages
    _, (township,), admin = busy_county("510682000000", [2])
    # Then its dashboard takes 18 queries: the session, the user and role (3), the township,
    # the villages, households, waiting records, sealed months, points, participation, the
    # monthly backlog, objections, matters, ratings, disclosures, ledger checks and flags
    assert queries_of(client, admin, reverse("oversight_township", args=[township.code])) == 18


@time_machine.travel(NOW, tick=False)
def test_with_sealed_months_it_costs_the_same_for_6_villages_as_for_2(
    client: Client, django_assert_num_queries: Any
) -> None:
    # Given two counties whose finished months were sealed
    small, _, small_admin = busy_county("510682000000", [2])
    large, _, large_admin = busy_county("510683000000", [3, 3])
    assert seal_months(now=NOW) == 8 * 12
    # When each county's dashboard is shown, then each costs exactly 17 queries, one fewer than
    # unsealed: June is the only month counted live, the backlog of past months is not queried
    same_queries(
        client,
        django_assert_num_queries,
        17,
        (small_admin, reverse("oversight_county", args=[small.code])),
        (large_admin, reverse("oversight_county", args=[large.code])),
    )
