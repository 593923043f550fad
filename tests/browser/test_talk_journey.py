"""Say, deliberate, decide, handle, evaluate — in Chromium at 360 px, with axe on every page.

A villager raises a matter with a photo; the secretary replies three hours and twenty minutes
later; the secretary puts the matter to a household vote; three of the four households vote;
the window closes and the secretary publishes the result (three of four took part: two thirds
or more, so the quorum is met; two of the three chose For, so it passed); the secretary hands
the matter out as a task to a committee member, who posts progress and marks it done; the
villager reads the notifications and rates the work four stars.

Everything a person does goes through the pages. Only the clock is moved, with time_machine:
the live server runs in a thread of this process, so it reads the travelled time too (Chromium
does not, and needs not: no page reads the browser's clock).

Labels are looked up through the translation catalogue, as in test_uses_journey, so that the
test reads the Chinese pages without repeating their translations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from PIL import Image
from playwright.sync_api import expect

from jifen.accounts.models import Role, User
from jifen.notify.models import Notification
from jifen.talk.models import Comment, Matter, Rating, Task
from jifen.votes.models import Ballot, Option, Vote
from tests import factories
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "村口路灯坏了"


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def zh_plural(singular: str, plural: str, count: int) -> str:
    with translation.override("zh-hans"):
        return ngettext(singular, plural, count)


def fact(page: Any, term: str) -> Any:
    """The value beside ``term`` in the page's lists of facts (a ``dt`` and its ``dd``)."""
    return page.locator(f"xpath=//dt[normalize-space()='{term}']/following-sibling::dd[1]").first


def expect_stage(page: Any, stage: Matter.Stage) -> None:
    expect(fact(page, zh("Stage"))).to_have_text(zh(str(stage.label)))


def photo(folder: Path) -> Path:
    path = folder / "lamp.jpg"
    Image.new("RGB", (640, 480), (40, 60, 90)).save(path, format="JPEG")
    return path


def same_page(page: Any, button: Any) -> None:
    """Press ``button`` and wait for the page it leads to, though it has the same address."""
    with page.expect_navigation():
        button.click()


def head_of_new_household(world: World, door_plate: str, name: str) -> User:
    home = factories.household(world.village, door_plate, name)
    assert home.head is not None
    return factories.account(name, Role.HOUSEHOLD_HEAD, world.village, resident=home.head)


def minutes(moment: datetime) -> str:
    """A moment as the pages show it, in local time."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_talk_journey(
    page: Any, live_server: Any, world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    code = world.village.code
    villager = world.people["villager"]
    secretary = world.people["secretary"]
    cadre = world.people["committee_member"]
    # Four households in 桂花村: 1-01 (王建国), 1-02 (the secretary's), and two more.
    sun = head_of_new_household(world, "1-03", "孙德明")
    zhou = head_of_new_household(world, "1-04", "周桂香")

    # Say: the villager raises a matter with a photo ----------------------------------------
    sign_in(page, base, villager)
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name=zh("Villagers Talk")).click()
    page.wait_for_url(f"**/villages/{code}/talk/")
    assert_accessible(page)
    page.get_by_role("link", name=zh("Raise a matter")).click()
    page.wait_for_url(f"**/villages/{code}/talk/new/")
    assert_accessible(page)
    page.get_by_label(zh("Title (a few words)")).fill(TITLE)
    page.get_by_label(zh("Repair"), exact=True).check()
    page.get_by_label(zh("What it is about: where, what, since when")).fill(
        "村口那盏路灯一个星期没亮了，晚上走路看不见。"
    )
    page.get_by_label(zh("Photos (up to 6, optional)")).set_input_files(str(photo(tmp_path)))
    page.get_by_role("button", name=zh("Raise the matter")).click()
    page.wait_for_url("**/matters/*/")
    assert_accessible(page)
    matter = Matter.objects.get()
    assert (matter.raised_by, matter.village, matter.category) == (
        villager,
        world.village,
        Matter.Category.REPAIR,
    )
    assert matter.photos.count() == 1
    expect(page.locator("h1")).to_have_text(TITLE)
    expect_stage(page, Matter.Stage.RAISED)
    photo_alt = zh("Photo %(n)s of %(total)s of the matter") % {"n": 1, "total": 1}
    expect(page.get_by_role("img", name=photo_alt)).to_have_count(1)
    matter_path = f"/matters/{matter.pk}/"

    # Three hours and twenty minutes later the secretary replies ---------------------------
    with time_machine.travel(matter.raised_at + timedelta(hours=3, minutes=20), tick=True) as clock:
        sign_in(page, base, secretary)
        page.goto("/")
        page.get_by_role("link", name=zh("Villagers Talk")).click()
        page.wait_for_url(f"**/villages/{code}/talk/")
        assert_accessible(page)
        page.get_by_role("link", name=TITLE).click()
        page.wait_for_url(f"**{matter_path}")
        assert_accessible(page)
        three_hours_twenty = zh("%(hours)d h %(minutes)d min") % {"hours": 3, "minutes": 20}
        expect(fact(page, zh("Answer"))).to_have_text(
            zh("waiting %(time)s") % {"time": three_hours_twenty}
        )
        page.get_by_label(zh("Your comment"), exact=True).fill("收到，明天请电工去看。")
        page.get_by_role("button", name=zh("Post the comment")).click()
        page.wait_for_url(f"**{matter_path}#comment-*")
        assert_accessible(page)
        reply = Comment.objects.get(matter=matter)
        assert (reply.author, reply.is_official) == (secretary, True)
        matter.refresh_from_db()
        assert matter.first_reply_at == reply.created_at
        expect(page.get_by_role("status")).to_contain_text(
            zh("Your reply was posted for the village committee.")
        )
        expect(fact(page, zh("Answer"))).to_have_text(
            zh("replied after %(time)s") % {"time": three_hours_twenty}
        )
        expect_stage(page, Matter.Stage.REPLIED)

        # Deliberate: the secretary puts the matter to a household vote ----------------------
        page.get_by_role("link", name=zh("Put to a vote")).click()
        page.wait_for_url(f"**/villages/{code}/votes/new/?matter={matter.pk}")
        assert_accessible(page)
        expect(page.get_by_label(zh("Title"), exact=True)).to_have_value(TITLE)
        page.get_by_label(zh(str(Vote.Kind.MOTION.label)), exact=True).check()
        page.get_by_label(zh(str(Vote.Body.HOUSEHOLDS.label)), exact=True).check()
        closes_at = (timezone.localtime() + timedelta(days=3)).replace(
            hour=20, minute=0, second=0, microsecond=0
        )
        page.get_by_label(zh("Closes"), exact=True).fill(closes_at.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name=zh("Put to the vote")).click()
        page.wait_for_url("**/votes/*/")
        assert_accessible(page)
        vote = Vote.objects.get()
        assert (vote.matter, vote.body, vote.kind, vote.status) == (
            matter,
            Vote.Body.HOUSEHOLDS,
            Vote.Kind.MOTION,
            Vote.Status.OPEN,
        )
        assert (vote.closes_at, vote.electorate_size) == (closes_at, 4)
        assert vote.closes_at - vote.opens_at >= timedelta(hours=1)
        vote_path = f"/votes/{vote.pk}/"
        expect(page.get_by_role("status")).to_contain_text(zh("The vote is open."))
        expect(fact(page, zh("Voted"))).to_have_text(
            zh("%(voted)s of %(size)s") % {"voted": 0, "size": 4}
        )
        # The results are hidden, and there is nothing to close, until the window ends
        expect(page.get_by_role("button", name=zh("Close and publish the result"))).to_have_count(0)
        expect(page.locator("section[aria-labelledby='results']")).to_contain_text(
            zh("The results are published when the vote closes at %(closes)s.")
            % {"closes": minutes(closes_at)}
        )
        page.get_by_role("link", name=TITLE).click()
        page.wait_for_url(f"**{matter_path}")
        expect_stage(page, Matter.Stage.VOTING)
        expect(page.locator("#votes").get_by_role("link", name=TITLE)).to_have_count(1)

        # Households vote: 王建国 and 孙德明 for, 周桂香 against; the secretary's does not -------
        for head, side in [
            (world.people["household_head"], Option.Side.FOR),
            (sun, Option.Side.FOR),
            (zhou, Option.Side.AGAINST),
        ]:
            sign_in(page, base, head)
            page.goto("/")
            page.get_by_role("link", name=zh("Votes"), exact=True).click()
            page.wait_for_url(f"**/villages/{code}/votes/")
            assert_accessible(page)
            page.get_by_role("link", name=TITLE).click()
            page.wait_for_url(f"**{vote_path}")
            assert_accessible(page)
            page.get_by_label(zh(str(side.label)), exact=True).check()
            same_page(page, page.get_by_role("button", name=zh("Cast my vote")))
            page.wait_for_url(f"**{vote_path}")
            assert_accessible(page)
            ballot = Ballot.objects.get(vote=vote, elector__household__head=head.resident)
            assert ballot.option is not None and ballot.option.side == side
            expect(page.get_by_role("status")).to_contain_text(zh("Your vote was recorded."))
            mine = page.locator("section[aria-labelledby='my-vote']")
            expect(mine).to_contain_text(
                zh("You voted %(choice)s (%(when)s).")
                % {"choice": zh(str(side.label)), "when": minutes(ballot.cast_at)}
            )
            expect(mine).to_contain_text(zh("You have already voted."))
        assert Ballot.objects.filter(vote=vote).count() == 3
        expect(fact(page, zh("Voted"))).to_have_text(
            zh("%(voted)s of %(size)s") % {"voted": 3, "size": 4}
        )

        # The window closes; the secretary closes the vote and publishes the result ----------
        clock.move_to(vote.closes_at + timedelta(minutes=1))
        sign_in(page, base, secretary)
        page.goto(vote_path)
        assert_accessible(page)
        same_page(page, page.get_by_role("button", name=zh("Close and publish the result")))
        page.wait_for_url(f"**{vote_path}")
        assert_accessible(page)
        vote.refresh_from_db()
        assert (vote.status, vote.ballots_cast, vote.quorum_met, vote.passed) == (
            Vote.Status.CLOSED,
            3,
            True,
            True,
        )
        expect(page.get_by_role("status")).to_contain_text(
            zh("The vote is closed and its result published.")
        )
        result = page.locator("section[aria-labelledby='results']")
        expect(result.locator("p strong")).to_have_text(zh("Passed"))
        expect(result.locator("caption")).to_have_text(
            zh("%(taking_part)s of %(electorate)s took part") % {"taking_part": 3, "electorate": 4}
        )
        households = zh_plural("%(count)d household", "%(count)d households", 4) % {"count": 4}
        expect(fact(page, zh("Quorum"))).to_have_text(
            zh(
                "%(taking_part)d of %(electorate)s took part; two thirds or more needed "
                "(%(needed)d): %(verdict)s."
            )
            % {"taking_part": 3, "electorate": households, "needed": 3, "verdict": zh("met")}
        )
        expect(fact(page, zh("Majority"))).to_have_text(
            zh(
                "%(votes)d of the %(taking_part)d taking part chose %(what)s; more than half "
                "needed (%(needed)d): %(verdict)s."
            )
            % {
                "votes": 2,
                "taking_part": 3,
                "what": zh("For"),
                "needed": 2,
                "verdict": zh("reached"),
            }
        )
        rows = result.locator("tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0).locator("td")).to_have_text(["2", "66%"])
        expect(rows.nth(1).locator("td")).to_have_text(["1", "33%"])
        expect(rows.nth(2).locator("td")).to_have_text(["0", "0%"])

        # Handle: the secretary turns the matter into a task for the committee member --------
        page.get_by_role("link", name=TITLE).click()
        page.wait_for_url(f"**{matter_path}")
        assert_accessible(page)
        expect_stage(page, Matter.Stage.REPLIED)
        page.get_by_role("link", name=zh("Turn into a task")).click()
        page.wait_for_url(f"**/matters/{matter.pk}/task/")
        assert_accessible(page)
        due_on = timezone.localdate() + timedelta(days=7)
        page.get_by_label(zh("What is to be done")).fill("换村口路灯的灯泡和线路。")
        page.get_by_label(cadre.name, exact=True).check()
        page.get_by_label(zh("Due date")).fill(due_on.isoformat())
        page.get_by_role("button", name=zh("Hand out the task")).click()
        page.wait_for_url(f"**{matter_path}#task")
        assert_accessible(page)
        task = Task.objects.get()
        assert (task.matter, list(task.assignees.all()), task.due_on) == (matter, [cadre], due_on)
        expect_stage(page, Matter.Stage.IN_HAND)
        expect(fact(page, zh("Cadres in charge"))).to_have_text(cadre.name)
        expect(fact(page, zh("Due"))).to_have_text(due_on.isoformat())

        # The committee member posts progress and marks the task done -------------------------
        sign_in(page, base, cadre)
        page.goto("/")
        page.get_by_role("link", name=zh("Villagers Talk")).click()
        page.wait_for_url(f"**/villages/{code}/talk/")
        page.get_by_role("link", name=TITLE).click()
        page.wait_for_url(f"**{matter_path}")
        assert_accessible(page)
        page.get_by_role("link", name=zh("Post progress")).click()
        page.wait_for_url(f"**/tasks/{task.pk}/progress/")
        assert_accessible(page)
        page.get_by_label(zh("What was done")).fill("灯泡换好了，线路也查过了。")
        page.get_by_label(zh("Photos (up to 6, optional)")).set_input_files(str(photo(tmp_path)))
        page.get_by_role("button", name=zh("Post the progress")).click()
        page.wait_for_url(f"**{matter_path}#task")
        assert_accessible(page)
        expect(page.locator("#task ol.events")).to_contain_text("灯泡换好了，线路也查过了。")
        assert task.progress.get().photos.count() == 1
        same_page(page, page.get_by_role("button", name=zh("Mark the task done")))
        page.wait_for_url(f"**{matter_path}#task")
        assert_accessible(page)
        task.refresh_from_db()
        assert task.done_at is not None and task.done_by == cadre
        done_on = timezone.localdate(task.done_at)
        expect(fact(page, zh("State"))).to_have_text(
            zh("Done on %(day)s (%(name)s)") % {"day": done_on.isoformat(), "name": cadre.name}
        )
        expect_stage(page, Matter.Stage.DONE)

        # Evaluate: the villager reads the notifications and rates the work -----------------
        sign_in(page, base, villager)
        page.goto("/")
        unread = zh_plural("%(counter)s unread", "%(counter)s unread", 3) % {"counter": 3}
        notifications = page.get_by_role("link", name=f"{zh('Notifications')} {unread}")
        notifications.click()
        page.wait_for_url("**/notifications/")
        assert_accessible(page)
        assert list(
            Notification.objects.filter(user=villager)
            .order_by("created_at")
            .values_list("kind", flat=True)
        ) == [Notification.Kind.REPLY, Notification.Kind.RESULT, Notification.Kind.TASK_DONE]
        cards = page.locator("ul.notifications > li")
        expect(cards).to_have_count(3)
        expect(cards.locator("a span")).to_have_text(
            [
                zh("“%(title)s” is done. Please rate the work.") % {"title": TITLE},
                zh("Result of “%(title)s”: passed.") % {"title": TITLE},
                zh("The village committee replied to your matter “%(title)s”.") % {"title": TITLE},
            ]
        )
        page.get_by_role(
            "link", name=zh("Result of “%(title)s”: passed.") % {"title": TITLE}
        ).click()
        page.wait_for_url(f"**{vote_path}")
        assert_accessible(page)
        expect(page.locator("section[aria-labelledby='results'] p strong")).to_have_text(
            zh("Passed")
        )
        page.get_by_role("link", name=zh("Notifications")).click()
        page.wait_for_url("**/notifications/")
        page.get_by_role(
            "link", name=zh("“%(title)s” is done. Please rate the work.") % {"title": TITLE}
        ).click()
        page.wait_for_url(f"**{matter_path}")
        assert_accessible(page)
        page.get_by_role("link", name=zh("Rate the work")).click()
        page.wait_for_url(f"**/tasks/{task.pk}/rate/")
        assert_accessible(page)
        four_stars = zh_plural("%(n)d star", "%(n)d stars", 4) % {"n": 4}
        page.get_by_label(four_stars, exact=True).check()
        page.get_by_label(zh("A word about the work")).fill("修得快，晚上亮堂了。")
        page.get_by_role("button", name=zh("Send the rating")).click()
        page.wait_for_url(f"**{matter_path}#ratings")
        assert_accessible(page)
        rating = Rating.objects.get()
        assert (rating.task, rating.user, rating.stars) == (task, villager, 4)
        expect_stage(page, Matter.Stage.RATED)
        average = zh_plural(
            "%(average)s of 5 stars (%(counter)s rating)",
            "%(average)s of 5 stars (%(counter)s ratings)",
            1,
        ) % {"average": "4.0", "counter": 1}
        ratings = page.locator("#ratings")
        expect(ratings.locator("p").first).to_have_text(average)
        expect(ratings).to_contain_text("修得快，晚上亮堂了。")
        expect(ratings).to_contain_text(zh("raised the matter"))
        expect(ratings.get_by_role("link", name=zh("Rate the work"))).to_have_count(0)

        # The village's figures: the answer time and the rating --------------------------------
        page.get_by_role("link", name=f"{world.village.name} · {zh('Villagers Talk')}").click()
        page.wait_for_url(f"**/villages/{code}/talk/")
        assert_accessible(page)
        expect(fact(page, zh("Median time to the first reply"))).to_have_text(three_hours_twenty)
        expect(fact(page, zh("Average rating"))).to_have_text(average)
        page.goto("/notifications/")
        assert_accessible(page)
        expect(page.locator("ul.notifications > li.unread")).to_have_count(1)
