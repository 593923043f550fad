"""The dividend pages: the form, what each person sees of a round, and the cashier's list."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jifen.audit.models import AuditEvent
from jifen.dividends import services
from jifen.dividends.models import DividendRound
from jifen.places.models import Resident
from jifen.rules.models import VillageSettings
from tests import factories
from tests.conftest import World, log_in
from tests.dividends.conftest import JULY_5, POOL_FEN, draft, final, june_points
from tests.points import Items

FORM = {
    "title": "2026年6月积分分红",
    "pool_yuan": "36000.50",
    "decision": "村民代表会议 2026-07-01 决议：集体经营性收入的30%",
    "decided_on": "2026-07-01",
    "period_start": "2026-06-01",
    "period_end": "2026-06-30",
    "min_score": "10",
    "idempotency_key": "a" * 32,
}


def page(client: Client, name: str, *args: object) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# The new round form --------------------------------------------------------------------------


def test_a_cadre_draws_up_a_round(client: Client, world: World, items: Items) -> None:
    june_points(world, items)
    log_in(client, world.people["secretary"])
    url = reverse("dividends_new", args=[world.village.code])
    response = client.post(url, FORM)
    dividend_round = DividendRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "dividends_round", args=[world.village.code, dividend_round.pk]
    )
    assert dividend_round.pool_fen == 3_600_050
    assert dividend_round.min_score == 10
    assert dividend_round.total_points == 30
    # A double tap sends the same form again: still one round
    assert client.post(url, FORM).status_code == 302
    assert DividendRound.objects.count() == 1
    html = page(client, "dividends_round", world.village.code, dividend_round.pk)
    assert "The draft round was computed. Check it, then publish it." in html
    assert "36000.50 yuan" in html
    assert "1200.0167 yuan" in html  # 36000.50 ÷ 30
    assert "below the minimum score" in html


def test_bad_input_is_explained_and_changes_nothing(
    client: Client, world: World, items: Items
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("dividends_new", args=[world.village.code])
    cases = [
        ({"pool_yuan": "12.345"}, "Ensure that there are no more than 2 decimal places."),
        ({"pool_yuan": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"pool_yuan": "一千"}, "Enter a number."),
        ({"period_end": "2999-01-01"}, "The period must be over: its last day must be before"),
        ({"period_start": "2026-07-01"}, "The period must start on or before its last day."),
        ({"min_score": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"decision": ""}, "This field is required."),
    ]
    for change, message in cases:
        response = client.post(url, FORM | change | {"idempotency_key": str(change)[:60]})
        assert response.status_code == 200
        assert message in response.content.decode(), change
    assert not DividendRound.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="dividend").exists()


# What each person sees -----------------------------------------------------------------------


def test_villagers_see_published_rounds_only(client: Client, world: World, items: Items) -> None:
    june_points(world, items)
    published = final(world)
    hidden = draft(world, title="下半年草稿")
    log_in(client, world.people["villager"])
    html = page(client, "dividends_rounds", world.village.code)
    assert "2026年6月积分分红 · Final" in html
    assert "1000.00 yuan · points earned 2026-06-01 – 2026-06-30" in html
    assert "下半年草稿" not in html
    assert reverse("dividends_new", args=[world.village.code]) not in html
    response = client.get(reverse("dividends_round", args=[world.village.code, hidden.pk]))
    assert response.status_code == 404
    html = page(client, "dividends_round", world.village.code, published.pk)
    # Their own household first, then every line (the village shows points to villagers)
    assert "Your household" in html
    assert "857.14 yuan" in html and "142.86 yuan" not in html.split("Shares")[0]
    assert "142.86" in html
    assert "28.5714 yuan" in html
    # No buttons and no payout list for a villager
    assert "Put on public notice" not in html and "Make final" not in html
    assert reverse("dividends_payouts", args=[world.village.code, published.pk]) not in html


def test_where_points_are_private_a_villager_sees_only_their_line(
    client: Client, world: World, items: Items
) -> None:
    june_points(world, items)
    VillageSettings.objects.filter(village=world.village).update(score_visibility="household")
    published = final(world)
    log_in(client, world.people["household_head"])
    html = page(client, "dividends_round", world.village.code, published.pk)
    assert "857.14 yuan" in html
    assert "李书记" not in html and "142.86" not in html
    assert "This village shows each household only its own line." in html
    # The cadres still see every line
    log_in(client, world.people["committee_member"])
    html = page(client, "dividends_round", world.village.code, published.pk)
    assert "李书记" in html and "142.86" in html


def test_a_cadre_steps_a_round_through_its_life(client: Client, world: World, items: Items) -> None:
    june_points(world, items)
    dividend_round = draft(world)
    log_in(client, world.people["secretary"])
    code, pk = world.village.code, dividend_round.pk
    html = page(client, "dividends_round", code, pk)
    assert "Put on public notice" in html and "Compute again" in html
    client.post(reverse("dividends_publish", args=[code, pk]))
    html = page(client, "dividends_round", code, pk)
    assert "The round is on public notice." in html
    assert "Make final" in html
    # Too early: the notice runs for 3 days
    client.post(reverse("dividends_finalise", args=[code, pk]))
    html = page(client, "dividends_round", code, pk)
    assert "The public notice runs until" in html
    dividend_round.refresh_from_db()
    assert dividend_round.status == DividendRound.Status.ON_NOTICE
    # Withdrawing needs a reason
    client.post(reverse("dividends_withdraw", args=[code, pk]), {"reason": ""})
    assert "Give the reason for withdrawing the notice" in page(client, "dividends_round", code, pk)
    client.post(reverse("dividends_withdraw", args=[code, pk]), {"reason": "1-02 漏记一次巡逻"})
    dividend_round.refresh_from_db()
    assert dividend_round.status == DividendRound.Status.DRAFT
    response = client.post(reverse("dividends_discard", args=[code, pk]))
    assert response["Location"] == reverse("dividends_rounds", args=[code])
    assert not DividendRound.objects.exists()


def test_a_round_with_no_points_says_it_cannot_be_published(
    client: Client, world: World, items: Items
) -> None:
    dividend_round = draft(world)
    log_in(client, world.people["secretary"])
    code, pk = world.village.code, dividend_round.pk
    assert "the round cannot be published" in page(client, "dividends_round", code, pk)
    client.post(reverse("dividends_publish", args=[code, pk]))
    assert "No household has qualifying points in this period" in page(
        client, "dividends_round", code, pk
    )
    dividend_round.refresh_from_db()
    assert dividend_round.status == DividendRound.Status.DRAFT


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            lambda r: reverse("dividends_round", args=[r.village.code, r.pk]), 11, id="round"
        ),
        pytest.param(lambda r: reverse("dividends_rounds", args=[r.village.code]), 6, id="rounds"),
    ],
)
def test_pages_do_not_query_more_with_more_households(
    client: Client,
    world: World,
    items: Items,
    django_assert_num_queries: Any,
    url: Callable[[DividendRound], str],
    expected: int,
) -> None:
    # Given June's round of 桂花村's two households, its notice published
    june_points(world, items)
    dividend_round = draft(world)
    log_in(client, world.people["household_head"])
    services.publish_notice(actor=None, dividend_round=dividend_round, now=JULY_5)
    with django_assert_num_queries(expected):
        assert client.get(url(dividend_round)).status_code == 200
    # When it is recomputed over 15 more households and published again, and another is drafted
    services.withdraw_notice(actor=None, dividend_round=dividend_round, reason="补登", now=JULY_5)
    for n in range(15):
        factories.household(world.village, f"7-{n:02d}", f"户{n}")
    services.recompute_round(actor=None, dividend_round=dividend_round, now=JULY_5)
    services.publish_notice(actor=None, dividend_round=dividend_round, now=JULY_5)
    draft(world, title="另一轮")
    # Then the page takes exactly as many queries
    with django_assert_num_queries(expected):
        assert client.get(url(dividend_round)).status_code == 200
    assert (
        page(client, "dividends_round", world.village.code, dividend_round.pk).count(
            '<td class="plate">'
        )
        == 17
    )


# The cashier's list --------------------------------------------------------------------------


def test_the_payout_list_adds_up_to_the_pool(client: Client, world: World, items: Items) -> None:
    june_points(world, items)
    factories.household(world.village, "1-03", "张三")
    dividend_round = final(world)
    log_in(client, world.people["township_officer"])
    response = client.get(
        reverse("dividends_payouts", args=[world.village.code, dividend_round.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        f'filename="dividend-{world.village.code}-{dividend_round.pk}.xlsx"'
        in response["Content-Disposition"]
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["桂花村 · 2026年6月积分分红", None, None, None, None, None][: len(rows[0])]
    header = rows.index(
        [
            "No.",
            "Door plate",
            "Head of household",
            "Points",
            "Payout (yuan)",
            "Signature of the payee",
        ]
    )
    body = rows[header + 1 : header + 3]
    assert [row[:4] for row in body] == [[1, "1-01", "王建国", 30], [2, "1-02", "李书记", 5]]
    payouts = [Decimal(str(row[4])) for row in body]
    assert payouts == [Decimal("857.14"), Decimal("142.86")]
    # The household without points is not on the cashier's list; the totals line is the pool
    totals = rows[header + 3]
    assert totals[1] == "Total" and totals[3] == 35
    assert Decimal(str(totals[4])) == sum(payouts) == Decimal(POOL_FEN) / 100
    assert sheet.cell(row=header + 2, column=5).number_format == "0.00"
    # Nobody's ID or phone number is in it
    text = repr(rows)
    for id_number, phone in Resident.objects.values_list("id_number", "phone"):
        assert id_number not in text
        assert not phone or phone not in text
    # Downloading it is on the record
    event = AuditEvent.objects.get(action="dividend.export")
    assert event.actor == world.people["township_officer"] and event.after == {"households": 2}


def test_there_is_no_payout_list_before_the_round_is_final(
    client: Client, world: World, items: Items
) -> None:
    june_points(world, items)
    dividend_round = services.publish_notice(actor=None, dividend_round=draft(world), now=JULY_5)
    log_in(client, world.people["secretary"])
    url = reverse("dividends_payouts", args=[world.village.code, dividend_round.pk])
    assert client.get(url).status_code == 404
    assert url not in page(client, "dividends_round", world.village.code, dividend_round.pk)
    assert not AuditEvent.objects.filter(action="dividend.export").exists()
