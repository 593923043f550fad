"""Every disclosure page in Chromium at 360 px: axe finds nothing serious, in normal and large
text, and nothing is wider than the phone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.disclosure import drafting, services
from jifen.disclosure.models import Kind
from tests.browser.conftest import check_page, sign_in
from tests.conftest import World
from tests.disclosure.conftest import draft_statement, published_statement, sign_off
from tests.points import actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_disclosure_pages_are_accessible(page: Any, live_server: Any, world: World) -> None:
    # Given May's statement corrected once, a question about a line, a party affairs draft
    # waiting for sign-off, and an overdue period in the neighbouring village
    now = timezone.now()
    first = published_statement(world, now=now)
    cadre = actor(world.people["secretary"])
    correction = drafting.start_correction(
        actor=cadre, publication=first, reason="电费录错", now=now
    )
    second = drafting.publish(
        actor=cadre, publication=sign_off(world, correction, now=now), now=now
    )
    line = second.items.get(title="路灯电费")
    drafting.ask_question(
        actor=actor(world.people["villager"]), item=line, text="是哪几盏灯？", idempotency_key="q"
    )
    party = services.open_period(village=world.village, kind=Kind.PARTY, day=date(2026, 4, 1))
    affairs = drafting.start_publication(actor=cadre, period=party, title="二季度党务公开")
    drafting.add_item(actor=cadre, publication=affairs, title="发展党员", text="确定积极分子2名。")
    drafting.submit(actor=cadre, publication=affairs)
    june = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 6, 1))
    editing = draft_statement(world, period=june, now=now)
    village_affairs = services.open_period(
        village=world.village, kind=Kind.VILLAGE, day=date(2026, 4, 1)
    )
    services.open_period(village=world.neighbour_village, kind=Kind.FINANCE, day=date(2026, 3, 1))
    code = world.village.code
    base = live_server.url
    # A villager: the village's page, both versions, asking about a line
    sign_in(page, base, world.people["villager"])
    check_page(page, reverse("disclosure_village", args=[code]), base)
    check_page(page, reverse("disclosure_publication", args=[first.pk]), base)
    check_page(page, reverse("disclosure_publication", args=[second.pk]), base)
    check_page(page, reverse("disclosure_ask", args=[line.pk]), base)
    # A cadre: the page, the editor, a line, starting, correcting, the schedule, a major item
    sign_in(page, base, world.people["secretary"])
    check_page(page, reverse("disclosure_village", args=[code]), base)
    check_page(page, reverse("disclosure_edit", args=[editing.pk]), base)
    line_pk = editing.items.values_list("pk", flat=True)[0]
    check_page(page, reverse("disclosure_item_edit", args=[line_pk]), base)
    check_page(page, reverse("disclosure_start", args=[village_affairs.pk]), base)
    check_page(page, reverse("disclosure_correct", args=[second.pk]), base)
    check_page(page, reverse("disclosure_schedule", args=[code]), base)
    check_page(page, reverse("disclosure_ad_hoc", args=[code]), base)
    # The supervisor: the page with what awaits, the sign-off page
    sign_in(page, base, world.people["supervisor"])
    check_page(page, reverse("disclosure_village", args=[code]), base)
    check_page(page, reverse("disclosure_review", args=[affairs.pk]), base)
    # The township
    sign_in(page, base, world.people["township_officer"])
    check_page(page, reverse("disclosure_township", args=[world.township.code]), base)
