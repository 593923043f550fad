"""The campaign and list pages: a cadre starts a campaign, a grid member inspects on the phone,
the committee edits and confirms a board, the lists show it, and the PDF prints it."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from jifen.campaigns import services
from jifen.campaigns.models import Board, Campaign, Entry, Inspection
from jifen.core.idempotency import new_key
from tests import factories
from tests.campaigns.builders import JULY_2, confirmed_june_board, june_board, june_records
from tests.campaigns.conftest import SHANGHAI, Drive, inspect
from tests.conftest import World, log_in
from tests.points import actor, earn


def html(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


@time_machine.travel(datetime(2026, 5, 20, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_cadre_starts_a_campaign_on_its_page(world: World, client: Client) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("campaigns_new", args=[world.village.code])
    assert "Start the campaign" in html(client.get(url))
    data = {
        "idempotency_key": new_key(),
        "title": "门前三包",
        "description": "",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
        "items": "门前卫生\n门前秩序\n\n门前绿化\n",
        "round_count": "2",
    }
    response = client.post(url, data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "campaigns_campaign", args=[campaign.pk]
    )
    assert [i.title for i in campaign.items.all()] == ["门前卫生", "门前秩序", "门前绿化"]
    assert campaign.rounds.count() == 2
    # The same form sent again makes nothing new
    client.post(url, data)
    assert Campaign.objects.count() == 1


def test_a_bad_campaign_form_says_why_and_makes_nothing(world: World, client: Client) -> None:
    log_in(client, world.people["secretary"])
    page = html(
        client.post(
            reverse("campaigns_new", args=[world.village.code]),
            {
                "idempotency_key": new_key(),
                "title": "灭蚊",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-30",
                "items": "a\na",
                "round_count": "2",
            },
        )
    )
    assert "Each checklist item is listed once." in page
    assert Campaign.objects.count() == 0


@time_machine.travel(datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_the_campaign_page_shows_progress_per_group_and_grid(
    world: World, drive: Drive, client: Client
) -> None:
    inspect(world, drive, "1-01", 2, passed=True)
    inspect(world, drive, "2-01", 2, passed=False, failed=(0,))
    log_in(client, world.people["household_head"])
    page = html(client.get(reverse("campaigns_campaign", args=[drive.campaign.pk])))
    assert "Progress per villager group" in page and "Progress per grid" in page
    assert "第二组" in page and "第2网格" in page and "No grid" in page
    assert "open now" in page
    # A villager reads the progress but is not offered the rounds to inspect
    assert reverse("campaigns_round", args=[drive.rounds[1].pk]) not in page


def test_the_campaign_page_queries_do_not_grow_with_households(
    world: World, drive: Drive, client: Client, django_assert_num_queries: Any
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("campaigns_campaign", args=[drive.campaign.pk])
    client.get(url)
    with django_assert_num_queries(11):
        html(client.get(url))
    for n in range(10):
        factories.household(world.village, f"5-{n:02d}", "孙八")
    with django_assert_num_queries(11):
        html(client.get(url))


@time_machine.travel(datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_grid_member_sees_and_inspects_only_their_grid(
    world: World, drive: Drive, client: Client
) -> None:
    log_in(client, world.people["grid_member"])
    round_two = drive.rounds[1]
    page = html(client.get(reverse("campaigns_round", args=[round_two.pk])))
    assert "1-01" in page and "1-03" in page and "2-01" not in page
    assert "0 of 3 households inspected" in page
    url = reverse("campaigns_inspect", args=[round_two.pk, drive.homes["1-01"].pk])
    assert "Items failed" in html(client.get(url))
    response = client.post(
        url, {"result": "fail", "failed_items": [drive.items[0].pk], "note": "积水"}
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.passed, inspection.note) == (False, "积水")
    # Another grid's household: refused, nothing written
    other = reverse("campaigns_inspect", args=[round_two.pk, drive.homes["2-01"].pk])
    assert client.get(other).status_code == 403
    assert client.post(other, {"result": "pass"}).status_code == 403
    assert Inspection.objects.count() == 1


@time_machine.travel(datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_failure_without_items_is_explained_and_not_saved(
    world: World, drive: Drive, client: Client
) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("campaigns_inspect", args=[drive.rounds[1].pk, drive.homes["2-01"].pk])
    assert "Tick the items the household failed." in html(client.post(url, {"result": "fail"}))
    assert Inspection.objects.count() == 0


@time_machine.travel(datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_the_committee_draws_up_edits_and_confirms_a_board(
    world: World, drive: Drive, client: Client
) -> None:
    from tests.campaigns.builders import june_records

    june_records(world, drive)
    log_in(client, world.people["committee_member"])
    lists = reverse("campaigns_lists", args=[world.village.code])
    assert "Draw up the month's board" in html(client.get(lists))
    response = client.post(
        reverse("campaigns_board_new", args=[world.village.code]), {"month": "2026-06"}
    )
    board = Board.objects.get()
    assert response["Location"] == reverse("campaigns_board", args=[board.pk])
    editor = html(client.get(reverse("campaigns_board", args=[board.pk])))
    # The editor shows why: the records behind each entry
    assert "治安巡逻 +10" in editor and "乱扔垃圾 -5" in editor
    # Confirming before the black entry says what to put right is refused
    client.post(reverse("campaigns_board_confirm", args=[board.pk]))
    board.refresh_from_db()
    assert board.status == "draft"
    black = Entry.objects.get(colour="black")
    response = client.post(
        reverse("campaigns_entry", args=[black.pk]),
        {
            "reason": "乱扔垃圾",
            "remedy": "清理门前垃圾",
            "remedy_by": "2026-07-15",
            "expires_on": "",
        },
    )
    assert response.status_code == 302
    client.post(reverse("campaigns_board_confirm", args=[board.pk]))
    board.refresh_from_db()
    assert board.status == "confirmed"
    page = html(client.get(lists))
    assert "To put right: 清理门前垃圾, by 2026-07-15. Shown until 2026-08-14." in page


@time_machine.travel(datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_a_bad_expiry_is_explained_and_nothing_changes(
    world: World, drive: Drive, client: Client
) -> None:
    board = june_board(world, drive)
    black = board.entries.get(colour="black")
    log_in(client, world.people["secretary"])
    page = html(
        client.post(
            reverse("campaigns_entry", args=[black.pk]),
            {
                "reason": "x",
                "remedy": "清理",
                "remedy_by": "2026-07-15",
                "expires_on": "2026-07-10",
            },
        )
    )
    assert "The entry expires after the date to put it right by." in page
    black.refresh_from_db()
    assert (black.reason, black.expires_on) != ("x", None) and black.expires_on is None


@pytest.mark.parametrize(
    ("day", "shown"),
    [((2026, 8, 13), True), ((2026, 8, 14), True), ((2026, 8, 15), False)],
)
def test_the_lists_page_drops_a_black_entry_after_its_expiry(
    world: World, drive: Drive, client: Client, day: tuple[int, int, int], shown: bool
) -> None:
    board = confirmed_june_board(world, drive)  # 1-01 expires after 2026-08-14
    log_in(client, world.people["representative"])
    with time_machine.travel(datetime(*day, 12, 0, tzinfo=SHANGHAI), tick=False):
        lists = html(client.get(reverse("campaigns_lists", args=[world.village.code])))
        on_board = html(client.get(reverse("campaigns_board", args=[board.pk])))
        pdf = client.get(reverse("campaigns_board_pdf", args=[board.pk])).content
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    for found in (lists, on_board, text):
        assert ("1-01" in found) is shown


@time_machine.travel(datetime(2026, 7, 3, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_the_committee_withdraws_an_entry_with_a_reason(
    world: World, drive: Drive, client: Client
) -> None:
    board = confirmed_june_board(world, drive)
    black = board.entries.get(colour="black")
    log_in(client, world.people["secretary"])
    url = reverse("campaigns_entry_withdraw", args=[black.pk])
    client.post(url, {"reason": ""})
    black.refresh_from_db()
    assert black.withdrawn_at is None
    client.post(url, {"reason": "记录有误"})
    black.refresh_from_db()
    assert black.withdrawal_reason == "记录有误"
    page = html(client.get(reverse("campaigns_board", args=[board.pk])))
    assert "Withdrawn entries" in page and "记录有误" in page
    # A confirmed entry's edit page refuses and changes nothing
    client.post(reverse("campaigns_entry", args=[black.pk]), {"reason": "x"})
    black.refresh_from_db()
    assert black.reason != "x"


@time_machine.travel(datetime(2026, 7, 5, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_the_pdf_prints_the_board_without_phone_or_id_numbers(
    world: World, drive: Drive, client: Client
) -> None:
    board = confirmed_june_board(world, drive)
    log_in(client, world.people["household_head"])
    response = client.get(reverse("campaigns_board_pdf", args=[board.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "红黑榜" in text and "桂花村" in text
    for plate in ("1-01", "1-02", "1-03", "2-01"):
        assert plate in text
    assert "清理门前垃圾" in text and "黑榜" in text and "红榜" in text
    for home in drive.homes.values():
        for resident in home.residents.all():
            assert resident.id_number not in text
            if resident.phone:
                assert resident.phone not in text


def june_board_over(world: World, drive: Drive, newcomers: int) -> Board:
    """June's board, confirmed, with ``newcomers`` more households on it: half on the red list
    (20 points, level with 2-01) and half on the black (a deduction)."""
    items = june_records(world, drive)
    homes = [factories.household(world.village, f"4-{n:02d}", "周九") for n in range(newcomers)]
    secretary = actor(world.people["secretary"])
    reviewer = actor(world.people["committee_member"])
    earn(homes[::2], items.patrol, times=2, recorder=secretary, reviewer=reviewer)
    earn(homes[1::2], items.littering, times=1, recorder=secretary, reviewer=reviewer)
    board = services.prepare_board(
        actor=secretary, village=world.village, month=date(2026, 6, 1), now=JULY_2
    )
    for black in Entry.objects.filter(board=board, colour=Entry.Colour.BLACK):
        services.update_entry(
            actor=secretary,
            entry=black,
            reason=black.reason,
            remedy="清理门前垃圾",
            remedy_by=date(2026, 7, 15),
            expires_on=None,
            now=JULY_2,
        )
    return services.confirm_board(actor=secretary, board=board, now=JULY_2)


@pytest.mark.parametrize("newcomers", [0, 8])
@time_machine.travel(datetime(2026, 7, 5, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_the_lists_page_queries_do_not_grow_with_entries(
    world: World, drive: Drive, client: Client, django_assert_num_queries: Any, newcomers: int
) -> None:
    # Given June's confirmed board, of four households or of twelve
    board = june_board_over(world, drive, newcomers)
    assert Entry.objects.filter(board=board).count() == 4 + newcomers
    log_in(client, world.people["representative"])
    url = reverse("campaigns_lists", args=[world.village.code])
    client.get(url)
    # When a representative reads the lists, then it takes exactly 9 queries either way
    with django_assert_num_queries(9):
        page = html(client.get(url))
    assert page.count("周九") == newcomers
