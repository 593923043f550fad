"""Every role against the dashboards and their exports: allowed, or refused with nothing
changed. Besides the personas of 桂花村, its township and its county, the table holds a
secretary of 双河村, an admin of another township and an officer of another township."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.accounts.models import Role
from jifen.oversight.models import LedgerCheck
from tests import factories
from tests.access import check_cell
from tests.conftest import World, log_in
from tests.test_access_matrix import ROLES

PERSONAS = [*ROLES, "neighbour_secretary", "far_township_admin", "far_township_officer"]
TOWNSHIP = {"township_officer", "township_admin", "county_admin"}

ALLOWED: dict[str, set[str]] = {
    "view the township's dashboard": TOWNSHIP,
    "export a township table": TOWNSHIP,
    "view the county's dashboard": {"county_admin"},
    "export a county table": {"county_admin"},
}

Request = Callable[[], HttpResponseBase]


def request(action: str) -> Callable[[Client, World], Request]:
    return lambda client, world: prepare(action, client, world)


def prepare(action: str, client: Client, world: World) -> Request:
    township, county = world.township.code, world.county.code
    urls = {
        "view the township's dashboard": reverse("oversight_township", args=[township]),
        "export a township table": reverse("oversight_township_export", args=[township, "points"]),
        "view the county's dashboard": reverse("oversight_county", args=[county]),
        "export a county table": reverse("oversight_county_export", args=[county, "townships"]),
    }
    return lambda: client.get(urls[action])


def fingerprint() -> object:
    return LedgerCheck.objects.count()


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("role", PERSONAS)
def test_access(client: Client, world: World, role: str, action: str) -> None:
    world.people["far_township_officer"] = factories.account(
        "田包村", Role.TOWNSHIP_OFFICER, world.other_township
    )
    check_cell(
        client,
        world,
        role,
        action,
        actions={name: request(name) for name in ALLOWED},
        allowed=ALLOWED,
        changes=(),
        fingerprint=fingerprint,
    )


def test_the_far_township_officer_sees_their_own_township(client: Client, world: World) -> None:
    # Given an officer of 玉泉镇
    officer = factories.account("田包村", Role.TOWNSHIP_OFFICER, world.other_township)
    log_in(client, officer)
    # Then 玉泉镇's dashboard opens, and 清平镇's is refused
    assert (
        client.get(reverse("oversight_township", args=[world.other_township.code])).status_code
        == 200
    )
    assert client.get(reverse("oversight_township", args=[world.township.code])).status_code == 403


def test_a_village_code_is_not_a_township(client: Client, world: World) -> None:
    log_in(client, world.people["county_admin"])
    assert client.get(reverse("oversight_township", args=[world.village.code])).status_code == 404
    assert client.get(reverse("oversight_county", args=[world.township.code])).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client: Client, world: World) -> None:
    response = client.get(reverse("oversight_township", args=[world.township.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
