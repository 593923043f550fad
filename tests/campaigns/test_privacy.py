"""The village's privacy settings: who sees scores and ranks (door plate, village board,
dividends, a household's own points) and who sees the red and black lists."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jifen.rules.models import VillageSettings
from jifen.rules.services import update_village_settings
from tests.campaigns.builders import confirmed_june_board
from tests.campaigns.conftest import Drive
from tests.conftest import World, log_in
from tests.dividends.conftest import final, june_points
from tests.points import actor, small_rulebook

PUBLIC, VILLAGE, HOUSEHOLD = "public", "village", "household"
ANONYMOUS = "anonymous"
pytestmark = pytest.mark.usefixtures("july")


def _as(client: Client, world: World, who: str) -> Client:
    client.logout()
    if who != ANONYMOUS:
        log_in(client, world.people[who])
    return client


def _set(world: World, **values: str) -> None:
    VillageSettings.objects.filter(village=world.village).update(**values)


def test_the_defaults_protect_privacy(world: World) -> None:
    settings = VillageSettings(village=world.village)
    assert settings.score_visibility == VILLAGE
    assert settings.lists_visibility == VILLAGE


# Scores and ranks ----------------------------------------------------------------------------

VIEWERS = [
    "anonymous",
    "household_head",
    "representative",
    "secretary",
    "neighbour_secretary",
    "township_officer",
]
DOOR_PLATE = {
    PUBLIC: set(VIEWERS),
    VILLAGE: {"household_head", "representative", "secretary"},
    HOUSEHOLD: {"household_head", "secretary"},
}


@pytest.mark.parametrize("visibility", [PUBLIC, VILLAGE, HOUSEHOLD])
@pytest.mark.parametrize("who", VIEWERS)
def test_the_door_plate_shows_points_by_the_setting(
    world: World, client: Client, visibility: str, who: str
) -> None:
    small_rulebook(world.village)
    _set(world, score_visibility=visibility)
    response = _as(client, world, who).get(reverse("door_plate", args=[world.home.public_token]))
    assert response.status_code == 200
    assert response.context["shows_points"] is (who in DOOR_PLATE[visibility])
    assert ("position" in response.context) is (who in DOOR_PLATE[visibility])


BOARD_VIEWERS = [
    "household_head",
    "representative",
    "secretary",
    "township_officer",
    "county_admin",
]


@pytest.mark.parametrize("visibility", [PUBLIC, VILLAGE, HOUSEHOLD])
@pytest.mark.parametrize("who", BOARD_VIEWERS)
def test_the_village_board_ranks_households_unless_points_are_private(
    world: World, client: Client, visibility: str, who: str
) -> None:
    small_rulebook(world.village)
    _set(world, score_visibility=visibility)
    response = _as(client, world, who).get(reverse("village_board", args=[world.village.code]))
    assert response.status_code == 200
    assert (response.context["ranking"] is not None) is (visibility != HOUSEHOLD)


@pytest.mark.parametrize("visibility", [PUBLIC, VILLAGE, HOUSEHOLD])
def test_the_village_board_is_closed_to_outsiders_whatever_the_setting(
    world: World, client: Client, visibility: str
) -> None:
    small_rulebook(world.village)
    _set(world, score_visibility=visibility)
    url = reverse("village_board", args=[world.village.code])
    assert _as(client, world, "neighbour_secretary").get(url).status_code == 403
    assert _as(client, world, ANONYMOUS).get(url).status_code == 302


DIVIDEND_SHARES = {
    PUBLIC: {"household_head", "representative", "secretary", "township_officer"},
    VILLAGE: {"household_head", "representative", "secretary", "township_officer"},
    HOUSEHOLD: {"secretary", "township_officer"},
}


@pytest.mark.parametrize("visibility", [PUBLIC, VILLAGE, HOUSEHOLD])
@pytest.mark.parametrize(
    "who", ["household_head", "representative", "secretary", "township_officer"]
)
def test_dividend_rounds_show_every_share_unless_points_are_private(
    world: World, client: Client, visibility: str, who: str
) -> None:
    june_points(world, small_rulebook(world.village))
    published = final(world)
    _set(world, score_visibility=visibility)
    response = _as(client, world, who).get(
        reverse("dividends_round", args=[world.village.code, published.pk])
    )
    assert response.status_code == 200
    assert (response.context["shares"] is not None) is (who in DIVIDEND_SHARES[visibility])


@pytest.mark.parametrize("visibility", [PUBLIC, VILLAGE, HOUSEHOLD])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("household_head", 200),
        ("secretary", 200),
        ("representative", 403),
        ("neighbour_secretary", 403),
    ],
)
def test_a_households_points_page_and_passbook_are_its_own_whatever_the_setting(
    world: World, client: Client, visibility: str, who: str, status: int
) -> None:
    small_rulebook(world.village)
    _set(world, score_visibility=visibility)
    _as(client, world, who)
    args = [world.village.code, world.home.pk]
    assert client.get(reverse("household_points", args=args)).status_code == status
    assert client.get(reverse("print_passbook", args=args)).status_code == status


# The red and black lists ---------------------------------------------------------------------

LIST_VIEWERS = [
    "anonymous",
    "household_head",
    "grid_member",
    "supervisor",
    "secretary",
    "township_officer",
    "county_admin",
    "neighbour_secretary",
    "far_township_admin",
]
SEES_LISTS = {
    PUBLIC: set(LIST_VIEWERS),
    VILLAGE: set(LIST_VIEWERS) - {"anonymous", "neighbour_secretary", "far_township_admin"},
}


@pytest.mark.parametrize("visibility", [PUBLIC, VILLAGE])
@pytest.mark.parametrize("who", LIST_VIEWERS)
def test_the_lists_follow_the_setting(
    world: World, drive: Drive, client: Client, visibility: str, who: str
) -> None:
    board = confirmed_june_board(world, drive)
    _set(world, lists_visibility=visibility)
    _as(client, world, who)
    for url in [
        reverse("campaigns_lists", args=[world.village.code]),
        reverse("campaigns_board", args=[board.pk]),
        reverse("campaigns_board_pdf", args=[board.pk]),
    ]:
        response = client.get(url)
        if who in SEES_LISTS[visibility]:
            assert response.status_code == 200, url
        elif who == ANONYMOUS:
            assert response.status_code == 302 and response["Location"].startswith("/login/")
        else:
            assert response.status_code == 403, url


def test_public_lists_name_households_only(world: World, drive: Drive, client: Client) -> None:
    board = confirmed_june_board(world, drive)
    _set(world, lists_visibility=PUBLIC)
    for url in [
        reverse("campaigns_lists", args=[world.village.code]),
        reverse("campaigns_board", args=[board.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "1-01 王建国" in html
        assert "Points deducted in 2026-06: 乱扔垃圾 -5 (06-15)" in html
        for resident in world.home.residents.all():
            assert resident.id_number not in html
            if resident.phone:
                assert resident.phone not in html
        # The records behind an entry are for the committee's editor, not the public list
        assert "治安巡逻" not in html


def test_a_draft_is_seen_by_the_committee_only(world: World, drive: Drive, client: Client) -> None:
    from tests.campaigns.builders import june_board

    board = june_board(world, drive)
    _set(world, lists_visibility=PUBLIC)
    url = reverse("campaigns_board", args=[board.pk])
    assert _as(client, world, "secretary").get(url).status_code == 200
    assert _as(client, world, "household_head").get(url).status_code == 403
    assert _as(client, world, ANONYMOUS).get(url).status_code == 302
    assert (
        _as(client, world, "secretary")
        .get(reverse("campaigns_board_pdf", args=[board.pk]))
        .status_code
        == 404
    )


# The settings page ---------------------------------------------------------------------------


def test_the_settings_page_explains_both_settings(world: World, client: Client) -> None:
    small_rulebook(world.village)
    log_in(client, world.people["secretary"])
    html = client.get(reverse("rules_settings", args=[world.village.code])).content.decode()
    assert "Who sees the confirmed red and black lists" in html
    assert "Who sees a household&#x27;s score and rank" in html
    assert (
        "The defaults protect privacy: scores and lists are seen inside the village only." in html
    )


def test_the_committee_makes_the_lists_public(world: World, client: Client) -> None:
    small_rulebook(world.village)
    log_in(client, world.people["secretary"])
    response = client.post(
        reverse("rules_settings", args=[world.village.code]),
        {"notice_days": 3, "score_visibility": VILLAGE, "lists_visibility": PUBLIC},
    )
    assert response.status_code == 302
    settings = VillageSettings.objects.get(village=world.village)
    assert (settings.lists_visibility, settings.score_visibility) == (PUBLIC, VILLAGE)


def test_an_unknown_lists_setting_is_refused_and_nothing_changes(world: World) -> None:
    from django.core.exceptions import ValidationError

    small_rulebook(world.village)
    with pytest.raises(ValidationError, match=r"Choose who may see the red and black lists."):
        update_village_settings(
            actor=actor(world.people["secretary"]),
            village=world.village,
            notice_days=3,
            score_visibility=VILLAGE,
            separate_cadre_pool=False,
            separate_absent_pool=False,
            lists_visibility="everyone",
        )
    assert VillageSettings.objects.get(village=world.village).lists_visibility == VILLAGE
