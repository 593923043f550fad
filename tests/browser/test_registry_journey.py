"""A cadre's journey through the registry, in Chromium at 360 px, with axe on every page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from jifen.places.models import Household, Resident, RosterUpload
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

HEAD = factories.id_number(date(1958, 2, 14))
WIFE = factories.id_number(date(1960, 9, 3), male=False)
NEIGHBOUR = factories.id_number(date(1971, 7, 7))


def roster(head_id: str, phone: str) -> bytes:
    return factories.roster_xlsx(
        [
            factories.roster_row("6-01", "郭守田", "郭守田", "户主", head_id, phone=phone),
            factories.roster_row("6-01", "郭守田", "何桂芬", "妻", WIFE),
            factories.roster_row("6-02", "罗永福", "罗永福", "户主", NEIGHBOUR, group="2组"),
        ]
    )


def upload(page: Any, content: bytes) -> None:
    page.get_by_label("花名册文件").set_input_files(
        {"name": "花名册.xlsx", "mimeType": "application/octet-stream", "buffer": content}
    )
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url("**/registry/import/*/")


def test_registry_journey(page: Any, live_server: Any, world: World) -> None:
    secretary = world.people["secretary"]
    households = Household.objects.count()

    # A cadre logs in with phone number and password
    page.goto("/login/")
    assert_accessible(page)
    page.get_by_label("手机号").fill(secretary.phone)
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/villages/{world.village.code}/registry/")
    assert_accessible(page)

    # imports a roster with faulty rows: sees the errors by row, and nothing is imported
    page.get_by_role("link", name="导入花名册").click()
    assert_accessible(page)
    bad_head = HEAD[:-1] + ("1" if HEAD[-1] != "1" else "2")
    upload(page, roster(bad_head, "1380013800"))
    problems = page.locator("#problems tbody tr")
    assert problems.count() == 2
    assert problems.nth(0).locator("td").nth(0).inner_text() == "3"
    assert problems.nth(0).locator("td").nth(1).inner_text() == "身份证号"
    assert problems.nth(1).locator("td").nth(1).inner_text() == "联系电话"
    assert Household.objects.count() == households
    assert_accessible(page)

    # fixes it, checks it again and imports
    page.get_by_role("link", name="导入花名册").click()
    upload(page, roster(HEAD, "13800138000"))
    assert page.locator("table.counts tbody tr").first.inner_text().split() == [
        "户数",
        "2",
        "0",
        "0",
    ]
    assert_accessible(page)
    page.get_by_role("button", name="现在导入").click()
    page.get_by_role("heading", name="已导入").wait_for()
    assert Household.objects.count() == households + 2
    assert Resident.objects.get(id_number=HEAD).phone == "13800138000"
    assert RosterUpload.objects.filter(status=RosterUpload.Status.IMPORTED).count() == 1

    # finds a household by a member's name (the list narrows as she types)
    page.get_by_role("link", name="农户信息").first.click()
    page.wait_for_url(f"**/villages/{world.village.code}/registry/")
    page.wait_for_load_state()  # htmx is loaded (deferred scripts run before "load")
    page.get_by_label("按姓名或门牌号查找").fill("何桂")
    expect(page.locator("#household-rows .card")).to_have_count(1)
    expect(page.locator("#household-rows .card")).to_contain_text("6-01")
    page.get_by_role("link", name="6-01 郭守田").click()
    page.get_by_role("heading", name="6-01 · 郭守田").wait_for()
    assert HEAD in page.content()
    assert_accessible(page)

    # switches to English
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Members", exact=True).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)

    # and to large text, which stays on the next page
    page.get_by_role("button", name="Large text").click()
    page.wait_for_selector("html.large-text")
    assert_accessible(page)
    page.get_by_role("link", name="Registry").first.click()
    page.wait_for_selector("html.large-text")
    assert_accessible(page)


PAGES: list[tuple[str, str, Callable[[World], str]]] = [
    ("secretary", "registry", lambda w: f"/villages/{w.village.code}/registry/"),
    ("secretary", "household", lambda w: f"/villages/{w.village.code}/households/{w.home.pk}/"),
    (
        "secretary",
        "history",
        lambda w: f"/villages/{w.village.code}/households/{w.home.pk}/history/",
    ),
    ("secretary", "import", lambda w: f"/villages/{w.village.code}/registry/import/"),
    ("secretary", "roles", lambda w: f"/places/{w.village.code}/roles/"),
    ("supervisor", "audit trail", lambda w: f"/villages/{w.village.code}/audit/"),
    ("villager", "own household", lambda w: "/my/household/"),
    ("township_officer", "township", lambda w: f"/townships/{w.township.code}/"),
    ("county_admin", "county", lambda w: f"/counties/{w.county.code}/"),
]


@pytest.mark.parametrize("large_text", [False, True], ids=["normal text", "large text"])
def test_every_registry_page_passes_axe(
    page: Any, live_server: Any, world: World, large_text: bool
) -> None:
    for person, _name, url in PAGES:
        sign_in(page, live_server.url, world.people[person])
        if large_text:
            page.context.add_cookies(
                [{"name": "jifen_text_size", "value": "large", "url": live_server.url}]
            )
        page.goto(url(world))
        assert page.locator("html.large-text").count() == (1 if large_text else 0)
        assert_accessible(page)
