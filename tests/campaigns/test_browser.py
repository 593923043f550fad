"""Every campaign and list page in Chromium at 360 px: axe finds nothing serious, in normal
and large text, and nothing is wider than the phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.campaigns import services
from jifen.campaigns.models import Campaign, Entry
from jifen.campaigns.selectors import month_start
from jifen.core.idempotency import new_key
from jifen.rules.models import VillageSettings
from tests.browser.conftest import check_page, sign_in
from tests.conftest import World
from tests.points import actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def under_way(world: World) -> Campaign:
    """A campaign whose second round is open today, with results in both rounds."""
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=actor(world.people["secretary"]),
        village=world.village,
        title="夏季灭蚊行动",
        description="清积水、除杂草",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=9),
        items=["清除积水容器", "房前屋后无杂草", "垃圾入桶"],
        rounds=[
            (today - timedelta(days=10), today - timedelta(days=1)),
            (today, today + timedelta(days=9)),
        ],
        idempotency_key=new_key(),
    )
    first, second = campaign.rounds.order_by("number")
    item = campaign.items.first()
    assert item is not None
    services.inspect(
        actor=actor(world.people["grid_member"]),
        round_=first,
        household=world.home,
        passed=False,
        failed_items=[item],
        note="院里有积水",
        now=timezone.now() - timedelta(days=5),
    )
    services.inspect(
        actor=actor(world.people["grid_member"]), round_=second, household=world.home, passed=True
    )
    return campaign


def boards(world: World) -> tuple[int, int]:
    """A confirmed board of last month (a red and a black entry) and a draft of this month."""
    secretary = actor(world.people["secretary"])
    today = timezone.localdate()
    last_month = month_start(month_start(today) - timedelta(days=1))
    confirmed = services.prepare_board(actor=secretary, village=world.village, month=last_month)
    cadre_home = world.village.households.exclude(pk=world.home.pk).first()
    assert cadre_home is not None
    services.add_entry(
        actor=secretary, board=confirmed, household=cadre_home, colour="red", reason="带头清理村道"
    )
    black = services.add_entry(
        actor=secretary,
        board=confirmed,
        household=world.home,
        colour="black",
        reason="门前堆放垃圾",
    )
    services.update_entry(
        actor=secretary,
        entry=black,
        reason=black.reason,
        remedy="清理门前垃圾",
        remedy_by=today + timedelta(days=14),
    )
    services.confirm_board(actor=secretary, board=confirmed)
    draft = services.prepare_board(actor=secretary, village=world.village, month=month_start(today))
    services.add_entry(
        actor=secretary, board=draft, household=world.home, colour="black", reason="焚烧秸秆"
    )
    return confirmed.pk, draft.pk


def test_the_campaign_and_list_pages_are_accessible(
    page: Any, live_server: Any, world: World
) -> None:
    campaign = under_way(world)
    confirmed, draft = boards(world)
    code = world.village.code
    second = campaign.rounds.get(number=2)
    black_draft_entry = Entry.objects.get(board_id=draft)
    url = live_server.url
    # A villager: campaigns, a campaign's progress, the lists and a confirmed board
    sign_in(page, url, world.people["villager"])
    check_page(page, reverse("campaigns_village", args=[code]), url)
    check_page(page, reverse("campaigns_campaign", args=[campaign.pk]), url)
    check_page(page, reverse("campaigns_lists", args=[code]), url)
    check_page(page, reverse("campaigns_board", args=[confirmed]), url)
    # A grid member inspects on the phone
    sign_in(page, url, world.people["grid_member"])
    check_page(page, reverse("campaigns_round", args=[second.pk]), url)
    check_page(page, reverse("campaigns_inspect", args=[second.pk, world.home.pk]), url)
    # The committee: the new campaign form, the lists with drafts, the editor, an entry
    sign_in(page, url, world.people["secretary"])
    check_page(page, reverse("campaigns_new", args=[code]), url)
    check_page(page, reverse("campaigns_lists", args=[code]), url)
    check_page(page, reverse("campaigns_board", args=[draft]), url)
    check_page(page, reverse("campaigns_entry", args=[black_draft_entry.pk]), url)
    check_page(page, reverse("campaigns_board", args=[confirmed]), url)
    check_page(page, reverse("rules_settings", args=[code]), url)
    # Anyone, where the lists are public
    VillageSettings.objects.filter(village=world.village).update(lists_visibility="public")
    page.context.clear_cookies()
    check_page(page, reverse("campaigns_lists", args=[code]), url)
    check_page(page, reverse("campaigns_board", args=[confirmed]), url)


def test_an_inspection_with_an_error_is_accessible(
    page: Any, live_server: Any, world: World
) -> None:
    campaign = under_way(world)
    second = campaign.rounds.get(number=2)
    sign_in(page, live_server.url, world.people["grid_member"])
    page.goto(reverse("campaigns_inspect", args=[second.pk, world.home.pk]))
    page.check("input[name=result][value=fail]")
    page.locator("form.inspection button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error").count() == 1
    check_page(page, page.url.removeprefix(live_server.url), live_server.url)
