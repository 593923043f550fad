"""The door-plate page, the village board and a household's points page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.places.services import rotate_household_token
from jifen.records import services
from jifen.records.models import Record
from jifen.rules.models import Item, VillageSettings
from tests import factories
from tests.conftest import World, log_in
from tests.points import TODAY, actor, earn, small_rulebook


def plate(client: Client, world: World) -> str:
    response = client.get(reverse("door_plate", args=[world.home.public_token]))
    assert response.status_code == 200
    return response.content.decode()


def set_visibility(world: World, visibility: str) -> None:
    VillageSettings.objects.filter(village=world.village).update(score_visibility=visibility)


def test_a_public_village_shows_score_rank_and_items_to_anyone(
    posted: World, client: Client
) -> None:
    set_visibility(posted, VillageSettings.Visibility.PUBLIC)
    page = plate(client, posted)
    assert "王建国" in page and "1-01" in page
    assert "<strong>15</strong>" in page
    assert "第1名 / 2户" in page
    assert "治安巡逻" in page


def test_the_default_shows_scores_to_villagers_only(posted: World, client: Client) -> None:
    page = plate(client, posted)
    assert "王建国" in page
    assert "<strong>15</strong>" not in page and "治安巡逻" not in page
    log_in(client, posted.people["representative"])
    assert "<strong>15</strong>" in plate(client, posted)
    log_in(client, posted.people["neighbour_secretary"])
    assert "<strong>15</strong>" not in plate(client, posted)


def test_household_only_hides_scores_from_other_villagers(posted: World, client: Client) -> None:
    set_visibility(posted, VillageSettings.Visibility.HOUSEHOLD)
    log_in(client, posted.people["representative"])
    assert "<strong>15</strong>" not in plate(client, posted)
    log_in(client, posted.people["villager"])
    assert "<strong>15</strong>" in plate(client, posted)


def test_the_door_plate_never_shows_id_or_phone_numbers(posted: World, client: Client) -> None:
    set_visibility(posted, VillageSettings.Visibility.PUBLIC)
    page = plate(client, posted)
    for resident in posted.home.residents.all():
        assert resident.id_number not in page
        assert resident.masked_id_number not in page
        if resident.phone:
            assert resident.phone not in page


def test_a_rotated_token_retires_the_old_plate(posted: World, client: Client) -> None:
    old = posted.home.public_token
    rotate_household_token(actor=actor(posted.people["secretary"]), household=posted.home)
    assert client.get(reverse("door_plate", args=[old])).status_code == 404
    posted.home.refresh_from_db()
    assert client.get(reverse("door_plate", args=[posted.home.public_token])).status_code == 200


def test_the_door_plate_queries_do_not_grow_with_households(
    posted: World, client: Client, django_assert_num_queries: Any
) -> None:
    # Given a public village's door plate, which shows the household's rank in the village
    set_visibility(posted, VillageSettings.Visibility.PUBLIC)
    url = reverse("door_plate", args=[posted.home.public_token])
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    # When 15 more households of the village earn points, and 双河村 gets five more
    patrol = Item.objects.get(version__rulebook__owner=posted.village, code="A02")
    newcomers = [factories.household(posted.village, f"7-{n:02d}") for n in range(15)]
    earn(
        newcomers,
        patrol,
        times=1,
        recorder=actor(posted.people["grid_member"]),
        reviewer=actor(posted.people["secretary"]),
    )
    for n in range(5):
        factories.household(posted.neighbour_village, f"7-{n:02d}")
    # Then the plate takes exactly as many queries
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200


def test_the_board_shows_notices_and_lets_a_villager_object(world: World, client: Client) -> None:
    items = small_rulebook(world.village)
    record = services.record_deed(
        actor=actor(world.people["grid_member"]),
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
    )
    services.review_record(actor=actor(world.people["secretary"]), record=record, approve=True)
    log_in(client, world.people["representative"])
    page = client.get(reverse("village_board", args=[world.village.code])).content.decode()
    assert "治安巡逻" in page and reverse("object_to", args=[world.village.code, record.pk]) in page
    response = client.post(
        reverse("object_to", args=[world.village.code, record.pk]), {"reason": "没看到"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.OBJECTED


def test_another_village_cannot_see_the_board(world: World, client: Client) -> None:
    log_in(client, world.people["neighbour_secretary"])
    assert client.get(reverse("village_board", args=[world.village.code])).status_code == 403


def test_a_household_sees_its_own_points_page_and_no_other(posted: World, client: Client) -> None:
    log_in(client, posted.people["household_head"])
    page = client.get(reverse("household_points", args=[posted.village.code, posted.home.pk]))
    assert page.status_code == 200
    assert page.context["balances"] == {"score": 15, "spendable": 15}
    other = posted.people["secretary"].resident
    assert other is not None
    assert (
        client.get(
            reverse("household_points", args=[posted.village.code, other.household_id])
        ).status_code
        == 403
    )


def test_printing_door_plates_is_audited(world: World, client: Client) -> None:
    log_in(client, world.people["secretary"])
    response = client.get(reverse("print_door_plates", args=[world.village.code]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="door_plates.print")
    assert (event.village_id, event.actor_role, event.after) == (
        world.village.pk,
        "secretary",
        {"households": 2},
    )
