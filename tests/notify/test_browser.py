"""The notifications page in Chromium at 360 px: axe finds nothing serious, in normal and large
text, and a villager opens a notification and marks the rest read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from jifen.notify.models import Notification
from tests.browser.conftest import assert_accessible, check_page, sign_in
from tests.conftest import World
from tests.notify.conftest import T0

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_villager_reads_their_notifications(page: Any, live_server: Any, world: World) -> None:
    villager = world.people["villager"]
    home = reverse("home")
    for n, (text, url, read) in enumerate(
        [
            ("村委会回复了您的事项", "", True),
            ("第3号表决开始了", home, False),
            ("结果公布了", "", False),
        ]
    ):
        at = T0 + timedelta(minutes=n)
        Notification.objects.create(
            user=villager,
            kind=Notification.Kind.VOTE_OPEN,
            text=text,
            url=url,
            created_at=at,
            read_at=at if read else None,
        )
    sign_in(page, live_server.url, villager)
    check_page(page, reverse("notify_list"), live_server.url)
    assert page.locator(".unread-label").count() == 2

    page.get_by_role("link", name="第3号表决开始了").click()
    page.wait_for_url(f"{live_server.url}{home}**")
    page.goto(reverse("notify_list"))
    assert page.locator(".unread-label").count() == 1
    with page.expect_navigation():
        page.locator("form[action$='/notifications/read/'] button").click()
    assert page.locator(".unread-label").count() == 0
    assert_accessible(page)
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
