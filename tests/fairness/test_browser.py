"""Every fairness page in Chromium at 360 px: axe finds nothing serious, in normal and large
text, and nothing is wider than the phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.fairness.services import compute_flags, review_flag
from tests.browser.conftest import assert_accessible, check_page, sign_in
from tests.conftest import World
from tests.fairness.test_flags import cadre_village, pair_village
from tests.points import Items, actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_fairness_pages_are_accessible(
    page: Any, live_server: Any, world: World, items: Items
) -> None:
    # Given a village with a reviewed flag and an open one
    today = timezone.localdate()
    cadre_village(world, items, [1, 1, 2, 2, 2, 3], cadre=13)
    favoured = pair_village(world, items, 15, first=20)
    flags = {f.kind: f for f in compute_flags(village=world.village, today=today)}
    assert len(flags) == 2, favoured
    reviewed, open_flag = sorted(flags.values(), key=lambda f: f.kind)
    review_flag(
        actor=actor(world.people["township_officer"]), flag=reviewed, note="走访核实，无异常。"
    )
    # The township officer: the township, the village, both flags and the review form
    sign_in(page, live_server.url, world.people["township_officer"])
    check_page(page, reverse("fairness_township", args=[world.township.code]), live_server.url)
    check_page(page, reverse("fairness_village", args=[world.village.code]), live_server.url)
    check_page(page, reverse("fairness_flag", args=[reviewed.pk]), live_server.url)
    check_page(page, reverse("fairness_flag", args=[open_flag.pk]), live_server.url)
    # A review without a note: the error is accessible too
    page.fill("#id_note", "   ")
    page.click("button.primary")
    page.wait_for_selector(".field-error, .error")
    assert_accessible(page)
    # The supervisory committee member reads the flag
    sign_in(page, live_server.url, world.people["supervisor"])
    check_page(page, reverse("fairness_flag", args=[open_flag.pk]), live_server.url)
