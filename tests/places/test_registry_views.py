"""The registry pages: what each person sees, and what crosses no village boundary."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.places.models import Household
from tests import factories
from tests.conftest import World, log_in


def household_page(client: Client, world: World) -> str:
    response = client.get(reverse("household", args=[world.village.code, world.home.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_village_cadre_sees_full_id_numbers_and_phones(client: Client, world: World) -> None:
    head = world.home.head
    assert head is not None
    page = household_page(log_in(client, world.people["secretary"]), world)
    assert head.id_number in page
    assert head.phone in page


@pytest.mark.parametrize("role", ["township_officer", "county_admin"])
def test_the_township_and_county_see_masked_id_numbers_and_phones(
    client: Client, world: World, role: str
) -> None:
    head = world.home.head
    assert head is not None
    page = household_page(log_in(client, world.people[role]), world)
    assert head.id_number not in page
    assert head.masked_id_number in page
    assert f"{head.id_number[:4]}**********{head.id_number[-4:]}" in page
    assert head.phone not in page
    assert f"{head.phone[:3]}****{head.phone[-4:]}" in page


def test_a_household_of_another_village_is_not_found_under_my_village(
    client: Client, world: World
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("household", args=[world.village.code, world.neighbour_home.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("person", ["neighbour_secretary", "far_township_admin"])
def test_nobody_reaches_into_another_village(client: Client, world: World, person: str) -> None:
    log_in(client, world.people[person])
    token = world.home.public_token
    events = AuditEvent.objects.count()
    code, pk = world.village.code, world.home.pk
    assert client.get(reverse("registry", args=[code])).status_code == 403
    assert client.get(reverse("household", args=[code, pk])).status_code == 403
    assert client.get(reverse("roster_export", args=[code])).status_code == 403
    assert client.post(reverse("rotate_token", args=[code, pk])).status_code == 403
    # Reaching through one's own village code does not work either
    own = world.people[person].grants.get().place.code
    assert client.post(reverse("rotate_token", args=[own, pk])).status_code in {403, 404}
    world.home.refresh_from_db()
    assert world.home.public_token == token
    assert AuditEvent.objects.count() == events


def test_search_finds_households_by_member_name_and_door_plate(
    client: Client, world: World
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("registry", args=[world.village.code])
    by_name = client.get(url, {"q": "王小"}, headers={"HX-Request": "true"}).content.decode()
    assert "1-01" in by_name and "1-02" not in by_name
    by_plate = client.get(url, {"q": "1-02"}).content.decode()
    assert "1-02" in by_plate and "1-01" not in by_plate
    # The htmx answer is the partial, not the whole page
    assert "<html" not in by_name


def test_rotating_the_token_invalidates_the_old_one_and_is_audited(
    client: Client, world: World
) -> None:
    log_in(client, world.people["committee_member"])
    old = world.home.public_token
    response = client.post(reverse("rotate_token", args=[world.village.code, world.home.pk]))
    assert response.status_code == 302
    world.home.refresh_from_db()
    assert world.home.public_token != old
    assert len(world.home.public_token) >= 22
    event = AuditEvent.objects.get(action="household.rotate_token")
    assert (event.household_id, event.actor_role) == (world.home.pk, "committee_member")
    assert old not in str(event.after) and world.home.public_token not in str(event.after)


def test_the_supervisor_reads_the_village_audit_trail(client: Client, world: World) -> None:
    log_in(client, world.people["committee_member"])
    client.post(reverse("rotate_token", args=[world.village.code, world.home.pk]))
    log_in(client, world.people["supervisor"])
    page = client.get(reverse("village_audit", args=[world.village.code])).content.decode()
    assert "household.rotate_token" in page
    assert "陈委员" in page


def test_a_villager_sees_their_own_household_and_no_other(client: Client, world: World) -> None:
    log_in(client, world.people["villager"])
    response = client.get(reverse("my_household"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "household_points", args=[world.village.code, world.home.pk]
    )
    other = Household.objects.get(village=world.village, door_plate="1-02")
    assert client.get(reverse("household", args=[world.village.code, other.pk])).status_code == 403


def test_registry_queries_do_not_grow_with_households(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("registry", args=[world.village.code])
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    for n in range(20):
        factories.household(world.village, f"8-{n:02d}")
    with django_assert_num_queries(7):
        assert "8-19" in client.get(url).content.decode()


def test_county_queries_do_not_grow_with_villages(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    log_in(client, world.people["county_admin"])
    url = reverse("county", args=[world.county.code])
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    for n in range(5):
        village = factories.village(world.township, f"51068110130{n}", f"新村{n}")
        factories.household(village, "1-01")
    with django_assert_num_queries(6):
        assert "新村4" in client.get(url).content.decode()


def test_the_township_page_counts_its_villages_only(client: Client, world: World) -> None:
    log_in(client, world.people["township_officer"])
    response = client.get(reverse("township", args=[world.township.code]))
    villages = {v.name: (v.household_count, v.resident_count) for v in response.context["villages"]}
    assert villages == {"桂花村": (2, 5), "双河村": (1, 2)}
