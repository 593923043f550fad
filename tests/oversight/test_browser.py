"""The dashboards in Chromium at 360 px: the charts are drawn, axe finds nothing serious in
normal and large text, and nothing is wider than the phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from tests.browser.conftest import check_page, sign_in
from tests.oversight.conftest import June

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JUNE_2026 = "?month=2026-06"


def test_the_township_dashboard_draws_its_charts(page: Any, live_server: Any, june: June) -> None:
    # Given the township officer
    sign_in(page, live_server.url, june.world.people["township_officer"])
    # When they open June's dashboard
    page.goto(reverse("oversight_township", args=[june.world.township.code]) + JUNE_2026)
    # Then Chart.js draws all four charts, each with its figures in words
    page.wait_for_selector('figure.chart canvas[data-drawn="true"]')
    canvases = page.locator("figure.chart canvas")
    assert canvases.count() == 4
    assert page.locator('figure.chart canvas[data-drawn="true"]').count() == 4
    with translation.override("zh-hans"):
        title = gettext("Participation, %(month)s") % {"month": "2026-06"}
        figures = pgettext("list separator", ", ").join(["桂花村 50%", "双河村 33%"])
        words = gettext("%(title)s: %(figures)s.") % {"title": title, "figures": figures}
    assert canvases.first.get_attribute("aria-label") == words


def test_the_dashboards_are_accessible(page: Any, live_server: Any, june: June) -> None:
    world = june.world
    sign_in(page, live_server.url, world.people["township_officer"])
    check_page(
        page, reverse("oversight_township", args=[world.township.code]) + JUNE_2026, live_server.url
    )
    assert page.locator('canvas[data-drawn="true"]').count() == 4
    # A bad month, with its message
    check_page(
        page,
        reverse("oversight_township", args=[world.township.code]) + "?month=2026-13",
        live_server.url,
    )
    sign_in(page, live_server.url, world.people["county_admin"])
    check_page(
        page, reverse("oversight_county", args=[world.county.code]) + JUNE_2026, live_server.url
    )
    assert page.locator('canvas[data-drawn="true"]').count() == 4
