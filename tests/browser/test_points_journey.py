"""From a declared deed to points on the door plate, in Chromium at 360 px, with axe throughout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.places.models import Household
from jifen.records import services
from jifen.records.models import Record
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import World
from tests.points import actor, small_rulebook

pytestmark = pytest.mark.django_db(transaction=True)


def photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (640, 480), (180, 200, 120)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_points_journey(page: Any, live_server: Any, world: World) -> None:
    items = small_rulebook(world.village)
    code = world.village.code
    neighbour_home = factories.household(world.village, "1-03", "孙德明")
    assert neighbour_home.head is not None
    neighbour = factories.account(
        "孙德明", Role.VILLAGER, world.village, resident=neighbour_home.head
    )

    # A villager declares a deed with a photo
    sign_in(page, live_server.url, world.people["household_head"])
    page.goto(f"/villages/{code}/declare/")
    assert_accessible(page)
    page.get_by_label("事项", exact=True).select_option(label=str(items.honour))
    page.get_by_label("发生了什么").fill("获得省级文明家庭表彰")
    page.get_by_label("照片（最多3张）").set_input_files(
        {"name": "award.jpg", "mimeType": "image/jpeg", "buffer": photo()}
    )
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(f"**/households/{world.home.pk}/points/")
    assert_accessible(page)
    declared = Record.objects.get(household=world.home, item=items.honour)
    assert declared.photos.count() == 1

    # The grid member records a deed, and cannot approve their own record
    sign_in(page, live_server.url, world.people["grid_member"])
    page.goto(f"/villages/{code}/households/{world.home.pk}/record/")
    assert_accessible(page)
    page.get_by_label("事项", exact=True).select_option(label=str(items.patrol))
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(f"**/households/{world.home.pk}/")
    patrol = Record.objects.get(household=world.home, item=items.patrol)
    response = page.request.post(
        f"/villages/{code}/review/",
        form={"record": str(patrol.pk), "decision": "approve", "reason": ""},
        headers={"X-CSRFToken": csrf(page)},
    )
    assert response.status == 403
    patrol.refresh_from_db()
    assert patrol.status == Record.Status.PENDING

    # A reviewer approves both
    sign_in(page, live_server.url, world.people["secretary"])
    page.goto(f"/villages/{code}/review/")
    assert_accessible(page)
    page.get_by_label("1-01 王建国 · 获省级表彰").check()
    page.get_by_label("1-01 王建国 · 治安巡逻").check()
    page.get_by_role("button", name="批准勾选的记录").click()
    expect(page.get_by_text("没有等待审核的记录。")).to_be_visible()

    # The notice appears on the board; another villager objects
    sign_in(page, live_server.url, neighbour)
    page.goto(f"/villages/{code}/board/")
    assert_accessible(page)
    card = page.locator(".card").filter(has_text="治安巡逻")
    card.locator("summary").click()
    card.get_by_label("您为什么有异议？").fill("那天晚上没有看到他巡逻")
    card.get_by_role("button", name="提交异议").click()
    expect(page.locator(".card").filter(has_text="治安巡逻")).to_contain_text("异议处理中")

    # The reviewer dismisses it
    sign_in(page, live_server.url, world.people["secretary"])
    page.goto(f"/villages/{code}/review/")
    page.get_by_label("处理理由").fill("巡逻记录表上有签名，记录无误")
    page.get_by_role("button", name="驳回异议：记录继续公示").click()
    expect(page.get_by_text("没有待处理的异议。")).to_be_visible()

    # Time passes: the window closes and the job posts the points
    assert post_due_records(now=timezone.now() + timedelta(days=3, minutes=1)) == 2
    create_checkpoint(village=world.village)

    # The QR page shows the new score and rank
    page.goto(f"/h/{world.home.public_token}/")
    assert_accessible(page)
    expect(page.locator(".big-score")).to_contain_text("40")
    expect(page.locator(".rank")).to_have_text("第1名 / 3户")


def csrf(page: Any) -> str:
    cookies: dict[str, str] = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("csrftoken", "")


PAGES: list[tuple[str, Callable[[World], str]]] = [
    ("household_head", lambda w: f"/villages/{w.village.code}/declare/"),
    ("household_head", lambda w: f"/villages/{w.village.code}/households/{w.home.pk}/points/"),
    ("household_head", lambda w: f"/h/{w.home.public_token}/"),
    ("villager", lambda w: f"/villages/{w.village.code}/households/{cadre_home(w).pk}/report/"),
    ("grid_member", lambda w: f"/villages/{w.village.code}/households/{w.home.pk}/record/"),
    ("grid_member", lambda w: f"/villages/{w.village.code}/inspection/"),
    ("secretary", lambda w: f"/villages/{w.village.code}/review/"),
    ("secretary", lambda w: f"/villages/{w.village.code}/board/"),
    ("secretary", lambda w: f"/villages/{w.village.code}/rulebook/"),
    ("secretary", lambda w: f"/villages/{w.village.code}/rulebook/settings/"),
    ("secretary", lambda w: f"/villages/{w.village.code}/rulebook/templates/"),
    ("county_admin", lambda w: f"/places/{w.county.code}/rulebooks/"),
]


def cadre_home(world: World) -> Household:
    return Household.objects.get(village=world.village, door_plate="1-02")


@pytest.mark.parametrize("large_text", [False, True], ids=["normal text", "large text"])
def test_every_points_page_passes_axe(
    page: Any, live_server: Any, world: World, large_text: bool
) -> None:
    items = small_rulebook(world.village)
    # Something on every page: a posted record, one on notice, one waiting for review
    grid = actor(world.people["grid_member"])
    secretary = actor(world.people["secretary"])
    for item in (items.patrol, items.labour, items.yard):
        record = services.record_deed(
            actor=grid,
            household=world.home,
            item=item,
            occurred_on=timezone.localdate(),
            idempotency_key=new_key(),
        )
        if item != items.yard:
            services.review_record(actor=secretary, record=record, approve=True)
    post_due_records(now=timezone.now() + timedelta(days=4))
    services.record_deed(
        actor=grid,
        household=world.home,
        item=items.patrol,
        occurred_on=timezone.localdate(),
        idempotency_key=new_key(),
    )
    create_checkpoint(village=world.village, now=timezone.now() + timedelta(days=4))
    for person, url in PAGES:
        sign_in(page, live_server.url, world.people[person])
        if large_text:
            page.context.add_cookies(
                [{"name": "jifen_text_size", "value": "large", "url": live_server.url}]
            )
        response = page.goto(url(world))
        assert response is not None and response.status == 200, url(world)
        assert page.locator("html.large-text").count() == (1 if large_text else 0)
        assert_accessible(page)
