"""Three-affairs disclosure and oversight — in Chromium at 360 px, in Chinese, with axe on every
page.

The secretary starts May's finance statement, the village's first, and adds its lines through
the editor; the supervisory committee member checks and signs it off; the committee member
publishes it; a villager asks about the street-light bill, which raises a Villagers Talk matter
linked back to the line; the secretary corrects the bill as version 2 with a reason, the
supervisor signs it off again and it is published: both versions stay, the first marked as
superseded. Finally the township officer opens the township's dashboard and sees the village
and its charts.

Everything a person does goes through the pages; buttons are found by their forms (the labels
are translated by the lead at the end), and the language is the browser's: Chinese.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jifen.disclosure import services
from jifen.disclosure.models import Item, Kind, Publication, Question
from jifen.talk.models import Matter
from tests.browser.conftest import check_page, sign_in
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

LINES = [
    ("2026-05-06", "上级转移支付", "income", "50000.00", "记-2026-05-001"),
    ("2026-05-20", "保洁员工资", "expense", "1800", "记-2026-05-002"),
    ("2026-05-28", "路灯电费", "expense", "236.45", "记-2026-05-003"),
]


def add_line(page: Any, day: str, title: str, direction: str, amount: str, voucher: str) -> None:
    page.fill("#id_title", title)
    page.fill("#id_occurred_on", day)
    page.select_option("#id_direction", direction)
    page.fill("#id_amount", amount)
    page.fill("#id_voucher", voucher)
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()


def test_a_statement_is_drafted_signed_off_published_asked_about_and_corrected(
    page: Any, live_server: Any, world: World
) -> None:
    base = live_server.url
    code = world.village.code
    period = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 5, 1))
    village_page = reverse("disclosure_village", args=[code])

    # The secretary starts the draft from the village's page and adds three lines
    sign_in(page, base, world.people["secretary"])
    check_page(page, village_page, base)
    page.locator(f'a[href="{reverse("disclosure_start", args=[period.pk])}"]').click()
    expect(page.locator("#id_title")).to_have_value("2026年5月财务公开")
    page.fill("#id_opening", "12000.00")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    draft = Publication.objects.get(period=period)
    assert draft.opening_balance == 1200000
    for line in LINES:
        add_line(page, *line)
    assert list(Item.objects.filter(publication=draft).values_list("amount", flat=True)) == [
        5000000,
        180000,
        23645,
    ]
    check_page(page, reverse("disclosure_edit", args=[draft.pk]), base)
    page.locator(f'form[action="{reverse("disclosure_submit", args=[draft.pk])}"] button').click()
    page.wait_for_load_state()
    draft.refresh_from_db()
    assert draft.status == Publication.Status.SUBMITTED

    # The supervisory committee member signs it off
    sign_in(page, base, world.people["supervisor"])
    check_page(page, village_page, base)
    page.locator(f'a[href="{reverse("disclosure_review", args=[draft.pk])}"]').first.click()
    check_page(page, reverse("disclosure_review", args=[draft.pk]), base)
    page.locator("button[name=sign_off]").click()
    page.wait_for_load_state()
    draft.refresh_from_db()
    assert draft.status == Publication.Status.SIGNED_OFF

    # The committee member publishes it
    sign_in(page, base, world.people["committee_member"])
    publication_page = reverse("disclosure_publication", args=[draft.pk])
    check_page(page, publication_page, base)
    page.locator(f'form[action="{reverse("disclosure_publish", args=[draft.pk])}"] button').click()
    page.wait_for_load_state()
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert (draft.opening_balance, draft.closing_balance) == (1200000, 1200000 + 4796355)

    # A villager asks about the street-light bill: a matter, linked to the line
    sign_in(page, base, world.people["villager"])
    check_page(page, publication_page, base)
    bill = draft.items.get(title="路灯电费")
    page.locator(f'a[href="{reverse("disclosure_ask", args=[bill.pk])}"]').click()
    check_page(page, reverse("disclosure_ask", args=[bill.pk]), base)
    page.fill("#id_text", "路灯电费比去年多，是哪几盏灯？")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    question = Question.objects.get()
    assert (question.item, question.matter.category) == (bill, Matter.Category.QUESTION)
    matter_page = reverse("talk_matter", args=[question.matter_id])
    assert page.url.endswith(matter_page)
    expect(page.locator(f'a[href="{publication_page}#item-{bill.pk}"]')).to_be_visible()
    check_page(page, matter_page, base)

    # The secretary corrects the bill as version 2, with a reason
    sign_in(page, base, world.people["secretary"])
    page.goto(reverse("disclosure_correct", args=[draft.pk]))
    check_page(page, reverse("disclosure_correct", args=[draft.pk]), base)
    page.fill("#id_reason", "路灯电费录入错误，应为2364.50元")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    correction = Publication.objects.get(version=2)
    corrected = correction.items.get(title="路灯电费")
    page.locator(f'a[href="{reverse("disclosure_item_edit", args=[corrected.pk])}"]').click()
    check_page(page, reverse("disclosure_item_edit", args=[corrected.pk]), base)
    page.fill("#id_amount", "2364.50")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    page.locator(
        f'form[action="{reverse("disclosure_submit", args=[correction.pk])}"] button'
    ).click()
    page.wait_for_load_state()
    sign_in(page, base, world.people["supervisor"])
    page.goto(reverse("disclosure_review", args=[correction.pk]))
    page.locator("button[name=sign_off]").click()
    page.wait_for_load_state()
    sign_in(page, base, world.people["secretary"])
    page.goto(reverse("disclosure_publication", args=[correction.pk]))
    page.locator(
        f'form[action="{reverse("disclosure_publish", args=[correction.pk])}"] button'
    ).click()
    page.wait_for_load_state()
    correction.refresh_from_db()
    assert correction.published_at is not None and correction.corrects == draft

    # Both versions stay visible: the first marked superseded, the second with its reason
    sign_in(page, base, world.people["villager"])
    second_page = reverse("disclosure_publication", args=[correction.pk])
    check_page(page, second_page, base)
    expect(page.get_by_text("路灯电费录入错误，应为2364.50元").first).to_be_visible()
    expect(page.locator(f'#versions-heading ~ ol a[href="{publication_page}"]')).to_be_visible()
    check_page(page, publication_page, base)
    expect(page.locator(".notice.superseded")).to_be_visible()
    assert bill.amount == Item.objects.get(pk=bill.pk).amount == 23645

    # The township officer sees the village on the township's dashboard, charts drawn
    sign_in(page, base, world.people["township_officer"])
    check_page(page, reverse("disclosure_township", args=[world.township.code]), base)
    dashboard = reverse("oversight_township", args=[world.township.code])
    check_page(page, dashboard, base)
    expect(page.locator("table").get_by_text(world.village.name).first).to_be_visible()
    expect(page.locator('canvas[data-drawn="true"]').first).to_be_attached()
