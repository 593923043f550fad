"""The notifications page in Chromium at 360 px: axe finds nothing serious, in normal and large
text, and a villager opens a notification and marks the rest read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from jifen.core.context_processors import TEXT_SIZE_COOKIE
from jifen.notify.models import Notification
from tests.browser.conftest import CHROMIUM_ARGS, assert_accessible, sign_in
from tests.conftest import CHROMIUM, World
from tests.notify.conftest import T0

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(playwright_driver: Any, live_server: Any) -> Iterator[Any]:
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
    browser.close()


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
    page.goto(reverse("notify_list"))
    assert_accessible(page)
    page.context.add_cookies([{"name": TEXT_SIZE_COOKIE, "value": "large", "url": page.url}])
    page.reload()
    assert_accessible(page)
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
