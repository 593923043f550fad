"""What points buy, in Chromium at 360 px, with axe on every page: the keeper redeems at the
counter by the household's door-plate token; the household lets the bank see its points and
applies for a loan; the bank officer decides; the household sees the decision and the bank's
looks. Then the county admin's bank pages and the dividend pages.

Labels are looked up through the translation catalogue, so the test reads the Chinese pages
the way a villager does without repeating the translations here.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from jifen.dividends.services import build_final_round
from jifen.ledger.selectors import balances
from jifen.ledger.services import create_checkpoint
from jifen.loans.models import BankAccess, LoanApplication
from jifen.market.models import Good, Redemption, Store
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import World
from tests.points import actor, earn, small_rulebook

pytestmark = pytest.mark.django_db(transaction=True)


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def test_uses_journey(page: Any, live_server: Any, world: World) -> None:
    items = small_rulebook(world.village)
    earn(
        [world.home],
        items.patrol,
        times=8,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    create_checkpoint(village=world.village)
    store = Store.objects.create(village=world.village, name="桂花村爱心超市")
    store.villages.add(world.village)
    soap = Good.objects.create(store=store, name="肥皂", price=5, stock=20)
    Good.objects.create(store=store, name="食用油", price=40, stock=4)
    bank = factories.bank(world.county, world.people["bank_officer"])
    factories.loan_policy(bank, world.county)

    # The keeper types the door-plate token the scanner would read, and redeems two soaps
    sign_in(page, live_server.url, world.people["store_keeper"])
    page.goto(f"/stores/{store.pk}/counter/")
    assert_accessible(page)
    page.get_by_label(zh("Door-plate code or the address the QR code opens")).fill(
        f"{live_server.url}/h/{world.home.public_token}/"
    )
    page.get_by_role("button", name=zh("Open the basket")).click()
    page.wait_for_url(f"**/stores/{store.pk}/counter/{world.home.public_token}/")
    assert_accessible(page)
    page.locator(f"input[name='qty-{soap.pk}']").fill("2")
    page.get_by_role("button", name=zh("Check the basket")).click()
    assert_accessible(page)
    page.get_by_role("button", name=zh("Confirm and hand over")).click()
    page.wait_for_url(f"**/stores/{store.pk}/redemptions/*/")
    assert_accessible(page)
    redemption = Redemption.objects.get()
    assert (redemption.household, redemption.points) == (world.home, 10)
    assert balances(world.home) == {"score": 80, "spendable": 70}
    soap.refresh_from_db()
    assert soap.stock == 18

    # The household head lets the bank see the points, and applies
    sign_in(page, live_server.url, world.people["household_head"])
    page.goto("/")
    page.get_by_role("link", name=zh("Point loans")).click()
    page.wait_for_url("**/my/loans/")
    assert_accessible(page)
    consent = page.locator("form[action$='/my/loans/consents/']")
    consent.get_by_label(zh("For how long")).select_option(index=1)
    consent.get_by_role("button", name=zh("Allow")).click()
    page.wait_for_url("**/my/loans/**")
    assert_accessible(page)
    apply = page.locator("form[action$='/my/loans/applications/']")
    apply.get_by_label(zh("Amount to borrow (yuan)")).fill("50000")
    apply.get_by_label(zh("What the loan is for")).fill("扩大柑橘种植")
    apply.get_by_role("button", name=zh("Send the application")).click()
    page.wait_for_url("**/my/loans/**")
    assert_accessible(page)
    application = LoanApplication.objects.get()
    # 80 points, 2 stars: 4.35 − 0.08 = 4.27 %, frozen with the signed checkpoint
    assert (application.score, application.stars, application.rate) == (80, 2, Decimal("4.27"))
    assert application.checkpoint is not None

    # The bank officer lands on the queue, opens the application and approves it
    sign_in(page, live_server.url, world.people["bank_officer"])
    page.goto("/")
    page.wait_for_url("**/bank/")
    assert_accessible(page)
    page.get_by_role("link", name="扩大柑橘种植").or_(
        page.locator(f"a[href$='/bank/applications/{application.pk}/']")
    ).first.click()
    page.wait_for_url(f"**/bank/applications/{application.pk}/")
    assert_accessible(page)
    approve = page.locator(f"form[action$='/bank/applications/{application.pk}/approve/']")
    approve.get_by_label(zh("Amount approved (yuan)")).fill("50000")
    approve.get_by_label(zh("Annual rate (%), for example 4.35")).fill("4.27")
    approve.get_by_role("button", name=zh("Approve")).click()
    page.wait_for_url(f"**/bank/applications/{application.pk}/**")
    assert_accessible(page)
    application.refresh_from_db()
    assert application.status == LoanApplication.Status.APPROVED
    assert application.approved_rate == Decimal("4.27")
    # A look at a household that gave no consent is refused, and logged
    page.goto(f"/bank/households/lookup/?q={world.neighbour_home.public_token}")
    assert_accessible(page)
    assert BankAccess.objects.filter(household=world.neighbour_home, allowed=False).exists()
    page.goto("/bank/households/lookup/")
    assert_accessible(page)

    # The household sees the decision and every look the bank took
    sign_in(page, live_server.url, world.people["household_head"])
    page.goto("/my/loans/")
    decision = page.locator("section[aria-labelledby='decisions']")
    expect(decision).to_contain_text("50000")
    expect(decision).to_contain_text("4.27")
    looks = page.locator("section[aria-labelledby='accesses']")
    expect(looks).to_contain_text(bank.short_name)
    assert BankAccess.objects.filter(household=world.home, allowed=True).count() >= 2
    assert_accessible(page)

    # The county admin's bank pages
    sign_in(page, live_server.url, world.people["county_admin"])
    page.goto(f"/counties/{world.county.code}/banks/")
    assert_accessible(page)
    page.goto(f"/counties/{world.county.code}/banks/{bank.pk}/")
    assert_accessible(page)
    page.goto(f"/counties/{world.county.code}/banks/{bank.pk}/policies/new/")
    assert_accessible(page)

    # Dividends: the cadre's list and form, and a final round as a villager sees it
    final = build_final_round(
        village=world.village,
        title="2026年积分分红",
        pool_fen=100_000,
        decision="村民代表会议决议",
        decided_on=date(2026, 7, 1),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        now=timezone.now().replace(microsecond=0) - timedelta(days=10),
    )
    assert final.shares.get(household=world.home).payout_fen == 100_000
    sign_in(page, live_server.url, world.people["secretary"])
    code = world.village.code
    for path in [f"/villages/{code}/dividends/", f"/villages/{code}/dividends/new/"]:
        page.goto(path)
        assert_accessible(page)
    sign_in(page, live_server.url, world.people["household_head"])
    page.goto(f"/villages/{code}/dividends/{final.pk}/")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("1000.00")
