"""The vote pages in Chromium at 360 px: a household head votes; axe checks every page this app
adds, in normal and in large text, as a villager, the head and a cadre see them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from jifen.core.context_processors import TEXT_SIZE_COOKIE
from jifen.votes import ballots, services
from jifen.votes.models import Ballot, Vote
from tests.browser.conftest import CHROMIUM_ARGS, assert_accessible, sign_in
from tests.conftest import CHROMIUM, World
from tests.points import actor
from tests.votes.test_pages import ended, live
from tests.votes.test_rule_change import draft_v2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser(playwright_driver: Any) -> Iterator[Any]:
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
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


def checked(page: Any, path: str) -> None:
    """Open ``path`` and check it with axe in normal and in large text."""
    page.goto(path)
    assert_accessible(page)
    page.context.add_cookies([{"name": TEXT_SIZE_COOKIE, "value": "large", "url": page.url}])
    page.reload()
    assert_accessible(page)
    page.context.clear_cookies(name=TEXT_SIZE_COOKIE)


def test_a_household_head_votes(page: Any, live_server: Any, world: World) -> None:
    vote = live(world)
    sign_in(page, live_server.url, world.people["household_head"])
    page.goto(reverse("votes_list", args=[world.village.code]))
    page.get_by_role("link", name=vote.title).click()
    page.wait_for_url(f"**{reverse('votes_vote', args=[vote.pk])}")
    page.locator("#id_option_0").check()
    page.locator("form.stacked button.primary").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    ballot = Ballot.objects.get()
    assert (ballot.elector.household_id, ballot.option.side if ballot.option else None) == (
        world.home.pk,
        "for",
    )


def test_the_vote_pages_are_accessible(page: Any, live_server: Any, world: World) -> None:
    rule_vote = live(
        world, Vote.Body.VILLAGERS, title="修订积分细则", rule_change=draft_v2(world.village)
    )
    household_vote = live(world, title="修村东水渠")
    choice = live(
        world, Vote.Body.VILLAGERS, kind=Vote.Kind.CHOICE, options=["东头", "西头"], title="路灯"
    )
    ballots.cast_ballot(
        actor=actor(world.people["villager"]), vote=choice, option=choice.options.get(position=0)
    )
    done = services.close_vote(actor=None, vote=ended(choice))
    # A villager: the list, a vote to cast, a published result
    sign_in(page, live_server.url, world.people["villager"])
    checked(page, reverse("votes_list", args=[world.village.code]))
    checked(page, reverse("votes_vote", args=[rule_vote.pk]))
    assert page.locator("h2#proposal").count() == 1
    checked(page, reverse("votes_vote", args=[done.pk]))
    # The head: naming the household's voter
    sign_in(page, live_server.url, world.people["household_head"])
    checked(page, reverse("votes_vote", args=[household_vote.pk]))
    # A cadre: the new vote form, the meeting desk with a voter found, the close
    sign_in(page, live_server.url, world.people["secretary"])
    checked(page, reverse("votes_new", args=[world.village.code]))
    checked(page, reverse("votes_meeting", args=[household_vote.pk]) + "?q=1-01")
    checked(page, reverse("votes_vote", args=[ended(household_vote).pk]))
    checked(page, reverse("rules_version", args=[world.village.code, 1]))
