"""The supermarket's village settings: entered in yuan, stored in fen, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.rules import services
from jifen.rules.forms import VillageSettingsForm
from jifen.rules.models import VillageSettings
from tests.conftest import World, log_in
from tests.points import actor

pytestmark = pytest.mark.usefixtures("in_english")

BASE = {"notice_days": "3", "score_visibility": "village"}


def test_the_settings_page_shows_the_supermarket_settings_in_yuan(
    client: Client, world: World
) -> None:
    VillageSettings.objects.create(
        village=world.village, point_value_fen=150, supermarket_budget_fen=1_234_505
    )
    log_in(client, world.people["secretary"])
    html = client.get(reverse("rules_settings", args=[world.village.code])).content.decode()
    assert 'name="point_value_fen" value="1.50"' in html
    assert 'name="supermarket_budget_fen" value="12345.05"' in html
    for label in [
        "Redeeming goods deducts spendable points",
        "Cadre households may redeem points",
        "Exchange days",
        "Unspent points lapse at the end of the year",
        "Value of a point (yuan, e.g. 1.00)",
        "Supermarket budget (yuan)",
    ]:
        assert label in html


def test_a_cadre_sets_the_supermarket_settings(client: Client, world: World) -> None:
    log_in(client, world.people["secretary"])
    response = client.post(
        reverse("rules_settings", args=[world.village.code]),
        BASE
        | {
            "cadres_may_redeem": "",
            "exchange_schedule": "quarterly",
            "exchange_window_days": "15",
            "spendable_lapses_at_year_end": "on",
            "point_value_fen": "0.8",
            "supermarket_budget_fen": "20000.10",
        },
    )
    assert response.status_code == 302
    settings = VillageSettings.objects.get(village=world.village)
    assert (
        settings.redemption_deducts,
        settings.cadres_may_redeem,
        settings.exchange_schedule,
        settings.exchange_window_days,
        settings.spendable_lapses_at_year_end,
        settings.point_value_fen,
        settings.supermarket_budget_fen,
    ) == (False, False, "quarterly", 15, True, 80, 2_000_010)
    event = AuditEvent.objects.get(action="rulebook.settings")
    assert event.before is not None and event.after is not None
    assert (event.before["point_value_fen"], event.after["point_value_fen"]) == (100, 80)
    assert (event.before["redemption_deducts"], event.after["redemption_deducts"]) == (
        True,
        False,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("point_value_fen", "1.234", "Ensure that there are no more than 2 decimal places."),
        ("point_value_fen", "0", "Ensure this value is greater than or equal to 0.01."),
        ("point_value_fen", "-1", "Ensure this value is greater than or equal to 0.01."),
        ("point_value_fen", "一元", "Enter a number."),
        ("supermarket_budget_fen", "-5", "Ensure this value is greater than or equal to 0."),
        ("exchange_window_days", "32", "Ensure this value is less than or equal to 31."),
        ("exchange_schedule", "weekly", "Select a valid choice."),
    ],
)
def test_invalid_supermarket_settings_change_nothing(
    client: Client, world: World, field: str, value: str, message: str
) -> None:
    log_in(client, world.people["committee_member"])
    response = client.post(
        reverse("rules_settings", args=[world.village.code]), BASE | {field: value}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VillageSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="rulebook.settings").exists()


def test_yuan_become_fen_exactly() -> None:
    for typed, fen in [
        ("0.01", 1),
        ("1", 100),
        ("1.1", 110),
        ("0.29", 29),
        ("99999999.99", 9_999_999_999),
    ]:
        form = VillageSettingsForm(BASE | {"supermarket_budget_fen": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["supermarket_budget_fen"] == fen


def test_settings_left_out_keep_their_values(world: World) -> None:
    VillageSettings.objects.create(
        village=world.village, exchange_schedule="monthly", point_value_fen=50
    )
    settings = services.update_village_settings(
        actor=actor(world.people["secretary"]),
        village=world.village,
        notice_days=4,
        score_visibility="village",
        separate_cadre_pool=False,
        separate_absent_pool=False,
    )
    assert (settings.notice_days, settings.exchange_schedule, settings.point_value_fen) == (
        4,
        "monthly",
        50,
    )
    event = AuditEvent.objects.get(action="rulebook.settings")
    assert event.after is not None and "point_value_fen" not in event.after


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"exchange_schedule": "weekly"}, "Choose the exchange days."),
        ({"exchange_window_days": 0}, "The exchange window is 1 to 31 days."),
        ({"point_value_fen": 0}, "A point is worth 0.01 to 10000 yuan."),
        ({"supermarket_budget_fen": -1}, "The supermarket budget is 0 to 100000000 yuan."),
    ],
)
def test_the_service_refuses_invalid_supermarket_settings(
    world: World, values: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.update_village_settings(
            actor=None,
            village=world.village,
            notice_days=3,
            score_visibility="village",
            separate_cadre_pool=False,
            separate_absent_pool=False,
            **values,  # type: ignore[arg-type]
        )
    assert refused.value.messages == [message]
    assert not VillageSettings.objects.exists()
