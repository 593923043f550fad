"""The fairness pages: what they show, the review form, and who may see them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.fairness.models import Flag, FlagReview
from jifen.fairness.services import compute_flags
from tests.conftest import World, log_in
from tests.fairness.conftest import TODAY, at
from tests.fairness.test_flags import pair_village
from tests.points import Items
from tests.test_access_matrix import ROLES

PERSONAS = [*ROLES, "neighbour_secretary", "far_township_admin"]
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}


@pytest.fixture
def flag(world: World, items: Items) -> Flag:
    pair_village(world, items, 9)
    (raised,) = compute_flags(village=world.village, today=TODAY, now=at(TODAY, 22))
    return raised


def test_the_flag_page_explains_and_lists_the_records(
    client: Client, world: World, flag: Flag
) -> None:
    log_in(client, world.people["township_officer"])
    response = client.get(reverse("fairness_flag", args=[flag.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "the chance of 9 or more is 8.8e-05 (binomial test)" in page
    assert page.count("<td>治安巡逻</td>") == 9
    assert "9 records" in page
    assert "Mark reviewed" in page
    # No phone numbers of anyone involved
    assert world.people["grid_member"].phone not in page


def test_the_township_page_counts_open_flags_per_village(
    client: Client, world: World, flag: Flag
) -> None:
    log_in(client, world.people["township_admin"])
    response = client.get(reverse("fairness_township", args=[world.township.code]))
    assert response.status_code == 200
    rows = [
        (row["village"].name, len(row["open"]), len(row["reviewed"]))
        for row in response.context["rows"]
    ]
    assert rows == [("桂花村", 1, 0), ("双河村", 0, 0)]
    assert reverse("fairness_flag", args=[flag.pk]) in response.content.decode()


def test_reviewing_on_the_page(client: Client, world: World, flag: Flag) -> None:
    log_in(client, world.people["township_officer"])
    url = reverse("fairness_flag", args=[flag.pk])
    response = client.post(url, {"note": "走访核实，无异常。"})
    assert response.status_code == 302 and response["Location"] == url
    flag.refresh_from_db()
    assert flag.review_note == "走访核实，无异常。"
    page = client.get(url).content.decode()
    assert "Reviewed by 刘包村 on" in page and "Mark reviewed" not in page


def test_an_empty_note_is_refused_on_the_page(client: Client, world: World, flag: Flag) -> None:
    log_in(client, world.people["township_officer"])
    response = client.post(reverse("fairness_flag", args=[flag.pk]), {"note": "  "})
    assert response.status_code == 400
    assert "Write what you found when you looked into it." in response.content.decode()
    flag.refresh_from_db()
    assert flag.reviewed_at is None and not FlagReview.objects.exists()


ALLOWED: dict[str, set[str]] = {
    "view the village's flags": OVERSIGHT | {"supervisor"},
    "view the township's flags": OVERSIGHT,
    "view a flag": OVERSIGHT | {"supervisor"},
    "review a flag": OVERSIGHT,
}


def attempt(action: str, client: Client, world: World, flag: Flag) -> HttpResponseBase:
    requests: dict[str, Callable[[], HttpResponseBase]] = {
        "view the village's flags": lambda: client.get(
            reverse("fairness_village", args=[world.village.code])
        ),
        "view the township's flags": lambda: client.get(
            reverse("fairness_township", args=[world.township.code])
        ),
        "view a flag": lambda: client.get(reverse("fairness_flag", args=[flag.pk])),
        "review a flag": lambda: client.post(
            reverse("fairness_flag", args=[flag.pk]), {"note": "已核实"}
        ),
    }
    return requests[action]()


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", PERSONAS)
def test_role_against_action(
    client: Client, world: World, flag: Flag, role: str, action: str
) -> None:
    # Given a signed-in user acting in `role`
    log_in(client, world.people[role])
    before = list(Flag.objects.values_list("reviewed_at", "review_note"))
    # When they attempt the action
    response = attempt(action, client, world, flag)
    # Then it is allowed or refused as the table says, and a refusal changes nothing
    if role not in ALLOWED[action]:
        assert response.status_code == 403, f"{role} may not {action}"
        assert list(Flag.objects.values_list("reviewed_at", "review_note")) == before
    elif action == "review a flag":
        assert response.status_code == 302, f"{role} may {action}"
        assert Flag.objects.get().reviewed_by == world.people[role]
    else:
        assert response.status_code == 200, f"{role} may {action}"


def test_the_supervisor_sees_no_review_form(client: Client, world: World, flag: Flag) -> None:
    log_in(client, world.people["supervisor"])
    page = client.get(reverse("fairness_flag", args=[flag.pk])).content.decode()
    assert "the chance of 9 or more" in page and "Mark reviewed" not in page
