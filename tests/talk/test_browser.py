"""Every Talk page in Chromium at 360 px: axe finds nothing serious, in normal and large text,
and nothing is wider than the phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.core.idempotency import new_key
from jifen.talk import services
from jifen.talk.models import Comment, Matter, Task
from tests.browser.conftest import assert_accessible, check_page, sign_in
from tests.conftest import World
from tests.points import actor
from tests.talk.conftest import comment, hand_out, jpeg, raise_matter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def busy(world: World) -> tuple[Matter, Task, Comment]:
    """A matter with photos, replies, a hidden comment, a task with progress, done today and
    rated; another whose task is overdue."""
    now = timezone.now()
    matter = raise_matter(world, photos=[jpeg("a.jpg"), jpeg("b.jpg")], now=now - timedelta(days=3))
    services.set_like(actor=actor(world.people["household_head"]), matter=matter, liked=True)
    top = comment(world, matter, "household_head", "灯杆也歪了。", now=now - timedelta(days=2))
    comment(world, matter, "secretary", "明天派人去修。", reply_to=top, now=now - timedelta(days=2))
    rude = comment(world, matter, "grid_member", "乱说一气", now=now - timedelta(days=2))
    services.report_comment(actor=actor(world.people["villager"]), comment=rude)
    hidden = comment(world, matter, "household_head", "骂人的话", now=now - timedelta(days=2))
    services.hide_comment(actor=actor(world.people["secretary"]), comment=hidden, reason="人身攻击")
    task = hand_out(world, matter, now=now - timedelta(days=2), due_on=timezone.localdate(now))
    services.post_progress(
        actor=actor(world.people["committee_member"]),
        task=task,
        text="灯泡买好了。",
        photos=[jpeg("c.jpg")],
        idempotency_key=new_key(),
    )
    services.mark_done(actor=actor(world.people["committee_member"]), task=task)
    services.rate(
        actor=actor(world.people["household_head"]), task=task, stars=4, comment="修得快。"
    )
    late = raise_matter(world, title="三组水渠堵了", now=now - timedelta(days=20))
    hand_out(
        world,
        late,
        now=now - timedelta(days=20),
        due_on=timezone.localdate(now) - timedelta(days=5),
    )
    return matter, task, rude


def test_the_talk_pages_are_accessible(page: Any, live_server: Any, world: World) -> None:
    matter, task, _ = busy(world)
    code = world.village.code
    open_matter = raise_matter(world, title="建议修个篮球场", category="proposal")
    open_task = hand_out(
        world, open_matter, now=timezone.now(), due_on=timezone.localdate() + timedelta(days=7)
    )
    # A villager: the list, the form, the matter (to rate and report), the rating form
    sign_in(page, live_server.url, world.people["villager"])
    check_page(page, reverse("talk_matters", args=[code]), live_server.url)
    check_page(page, reverse("talk_matter_new", args=[code]), live_server.url)
    check_page(page, reverse("talk_matter", args=[matter.pk]), live_server.url)
    check_page(page, reverse("talk_rate", args=[task.pk]), live_server.url)
    # The author of a hidden comment
    sign_in(page, live_server.url, world.people["household_head"])
    check_page(page, reverse("talk_matter", args=[matter.pk]), live_server.url)
    # A cadre: moderation, the task form, progress
    sign_in(page, live_server.url, world.people["secretary"])
    check_page(page, reverse("talk_matters", args=[code]), live_server.url)
    check_page(page, reverse("talk_reports", args=[code]), live_server.url)
    check_page(page, reverse("talk_matter", args=[open_matter.pk]), live_server.url)
    check_page(page, reverse("talk_progress", args=[open_task.pk]), live_server.url)
    other = raise_matter(world, title="垃圾桶满了")
    check_page(page, reverse("talk_task_new", args=[other.pk]), live_server.url)
    # The township
    sign_in(page, live_server.url, world.people["township_officer"])
    check_page(page, reverse("talk_township", args=[world.township.code]), live_server.url)


def test_forms_with_errors_are_accessible(page: Any, live_server: Any, world: World) -> None:
    sign_in(page, live_server.url, world.people["villager"])
    page.goto(reverse("talk_matter_new", args=[world.village.code]))
    page.fill("#id_title", "水渠")
    page.check("input[name=category][value=repair]")
    page.fill("#id_text", " ")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() == 1
    assert_accessible(page)
    assert Matter.objects.count() == 0
