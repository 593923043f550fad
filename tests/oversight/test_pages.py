"""The dashboard pages: the month asked for, bad months, the figures shown, the exports."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jifen.oversight.models import LedgerCheck
from tests.conftest import log_in
from tests.oversight.conftest import NOW, June

pytestmark = pytest.mark.django_db


def township_page(client: Client, june: June, query: str = "") -> str:
    log_in(client, june.world.people["township_officer"])
    url = reverse("oversight_township", args=[june.world.township.code])
    response = client.get(url + query)
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_township_dashboard_shows_this_month_by_default(client: Client, june: June) -> None:
    # When the township officer opens the dashboard without a month
    page = township_page(client, june)
    # Then it shows June 2026, the township's figures and its charts
    assert 'value="2026-06"' in page
    assert "2026-06 at a glance" in page
    assert '43% <span class="meta">(3 / 7)</span>' in page
    assert page.count('<figure class="chart">') == 4
    assert 'role="img"' in page
    assert "Participation, 2026-06: 桂花村 50%, 双河村 33%." in page
    assert '<strong class="low-stock">not checked yet</strong>' not in page
    assert "failed: entry #3: its contents do not match its hash" in page


@time_machine.travel(NOW, tick=False)
def test_a_month_can_be_chosen(client: Client, june: June) -> None:
    # When May is asked for
    page = township_page(client, june, "?month=2026-05")
    # Then May is shown, and its trend ends in May
    assert 'value="2026-05"' in page
    assert "2026-05 at a glance" in page
    assert "Participation, 2026-05: 桂花村 25%, 双河村 0%." in page
    assert 'class="error"' not in page


@pytest.mark.parametrize(
    ("month", "message"),
    [
        (
            "2026-13",
            "“2026-13” is not a month: write it as year-month, for example 2026-06. "
            "Showing this month instead.",
        ),
        (
            "June",
            "“June” is not a month: write it as year-month, for example 2026-06. "
            "Showing this month instead.",
        ),
        (
            "1999-12",
            "“1999-12” is not a month: write it as year-month, for example 2026-06. "
            "Showing this month instead.",
        ),
        (
            "2026-07",
            "There are no figures for a month after this one yet. Showing this month instead.",
        ),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_bad_month_says_so_and_shows_this_month(
    client: Client, june: June, month: str, message: str
) -> None:
    # When a month that cannot be shown is asked for
    page = township_page(client, june, f"?month={month}")
    # Then the page says why, and shows June 2026 instead; nothing was written
    assert message.replace("“", "&ldquo;") in page or message in page
    assert 'value="2026-06"' in page
    assert LedgerCheck.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_village_not_checked_yet_says_so(client: Client, june: June) -> None:
    # Given 桂花村's checks are gone
    LedgerCheck.objects.filter(village=june.world.village).delete()
    # Then its ledger is "not checked yet", prominently
    page = township_page(client, june)
    assert '<strong class="low-stock">not checked yet</strong>' in page


@time_machine.travel(NOW, tick=False)
def test_the_county_dashboard_has_a_row_per_township(client: Client, june: June) -> None:
    log_in(client, june.world.people["county_admin"])
    response = client.get(reverse("oversight_county", args=[june.world.county.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Participation, 2026-06: 清平镇 43%, 玉泉镇 0%." in page
    assert "Townships, 2026-06" in page
    assert "Villages, 2026-06" in page


def workbook_of(client: Client, url: str) -> list[list[object]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@time_machine.travel(NOW, tick=False)
def test_the_participation_export_holds_the_table_with_numbers(client: Client, june: June) -> None:
    log_in(client, june.world.people["township_officer"])
    url = reverse("oversight_township_export", args=[june.world.township.code, "participation"])
    response = client.get(url + "?month=2026-06")
    assert response["Content-Disposition"] == (
        'attachment; filename="participation-510681101000-2026-06.xlsx"'
    )
    book = load_workbook(BytesIO(response.content))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "Participation, 2026-06"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["Village", "Households", "Households with a posted record", "Participation"],
        ["桂花村", 4, 2, 0.5],
        ["双河村", 3, 1, 0.33],
    ]
    assert sheet["D2"].number_format == "0%"
    assert sheet["B2"].number_format == "0"


@time_machine.travel(NOW, tick=False)
def test_the_points_export_has_a_column_per_category(client: Client, june: June) -> None:
    log_in(client, june.world.people["township_officer"])
    rows = workbook_of(
        client, reverse("oversight_township_export", args=[june.world.township.code, "points"])
    )
    assert rows[0] == ["Month", "公共事务", "扣分项", "Total"]
    assert rows[-2:] == [["2026-05", 10, 0, 10], ["2026-06", 30, -5, 25]]
    assert len(rows) == 13


@time_machine.travel(NOW, tick=False)
def test_the_reply_export_has_hours_and_shares(client: Client, june: June) -> None:
    log_in(client, june.world.people["township_officer"])
    rows = workbook_of(
        client, reverse("oversight_township_export", args=[june.world.township.code, "replies"])
    )
    assert rows[0] == [
        "Month",
        "Matters raised",
        "Replied",
        "Median first reply (hours)",
        "Replied within 24 hours",
    ]
    # 90,000 s = 25.0 h; 1 of 3 within a day → 33%; May: 1 h, 100%.
    assert rows[-2:] == [["2026-05", 1, 1, 1, 1], ["2026-06", 3, 2, 25, 0.33]]
    assert rows[1] == ["2025-07", 0, 0, None, None]


@time_machine.travel(NOW, tick=False)
def test_the_village_export_holds_every_figure(client: Client, june: June) -> None:
    log_in(client, june.world.people["township_officer"])
    rows = workbook_of(
        client, reverse("oversight_township_export", args=[june.world.township.code, "villages"])
    )
    header, guihua, shuanghe = rows
    assert dict(zip(header, guihua, strict=True)) == {
        "Village": "桂花村",
        "Households": 4,
        "Households with a posted record": 2,
        "Participation": 0.5,
        "公共事务": 20,
        "扣分项": -5,
        "Points issued": 15,
        "Waiting for review now": 2,
        "Oldest wait (days)": 10,
        "Median wait (days)": 6,
        "Objections raised": 1,
        "Objections open now": 1,
        "Matters raised": 3,
        "Median first reply (hours)": 25,
        "Replied within 24 hours": 0.33,
        "Average rating": 4.5,
        "Ratings": 2,
        "Disclosures due": 3,
        "On time": 1,
        "Late": 1,
        "Overdue": 1,
        "Unreviewed fairness flags": 2,
        "Checkpoint size": 20,
        "Checkpoint signed at": "2026-06-19 10:00",
        "Ledger": "verifies",
    }
    assert shuanghe[-1] == (
        "failed: entry #3: its contents do not match its hash (it was changed after posting)"
    )


@time_machine.travel(NOW, tick=False)
def test_an_unknown_table_is_not_found(client: Client, june: June) -> None:
    log_in(client, june.world.people["township_officer"])
    url = reverse("oversight_township_export", args=[june.world.township.code, "townships"])
    assert client.get(url).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_export_speaks_the_request_language(client: Client, june: June) -> None:
    # Given a reader who chose Chinese
    client.cookies["django_language"] = "zh-hans"
    log_in(client, june.world.people["township_officer"])
    # When they download the participation table
    rows = workbook_of(
        client,
        reverse("oversight_township_export", args=[june.world.township.code, "participation"]),
    )
    # Then the headers already translated read in Chinese (the lead translates the new ones)
    assert rows[0][:2] == ["村", "户数"]


def test_the_township_and_county_pages_link_to_their_dashboards(client: Client, june: June) -> None:
    world = june.world
    log_in(client, world.people["county_admin"])
    township = client.get(reverse("township", args=[world.township.code])).content.decode()
    county = client.get(reverse("county", args=[world.county.code])).content.decode()
    assert reverse("oversight_township", args=[world.township.code]) in township
    assert reverse("oversight_county", args=[world.county.code]) in county


@time_machine.travel(NOW, tick=False)
def test_each_chart_gets_its_data_as_json(client: Client, june: June) -> None:
    page = township_page(client, june)
    # The participation chart's data: the per cents travel as strings (Decimals), no floats
    start = page.index('<script id="chart-data-participation" type="application/json">')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data == {
        "labels": ["桂花村", "双河村"],
        "datasets": [{"label": "Participation", "data": ["50", "33"]}],
        "unit": "%",
        "max": 100,
        "whole": True,
    }
    assert 'data-chart="chart-data-points" data-kind="stacked"' in page
