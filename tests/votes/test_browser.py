"""The vote pages in Chromium at 360 px: a household head votes; axe checks every page this app
adds, in normal and in large text, as a villager, the head and a cadre see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from jifen.votes import ballots, services
from jifen.votes.models import Ballot, Vote
from tests.browser.conftest import assert_accessible, check_page, sign_in
from tests.conftest import World
from tests.points import actor
from tests.votes.test_pages import ended, live
from tests.votes.test_rule_change import draft_v2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    check_page(page, reverse("votes_list", args=[world.village.code]), live_server.url)
    check_page(page, reverse("votes_vote", args=[rule_vote.pk]), live_server.url)
    assert page.locator("h2#proposal").count() == 1
    check_page(page, reverse("votes_vote", args=[done.pk]), live_server.url)
    # The head: naming the household's voter
    sign_in(page, live_server.url, world.people["household_head"])
    check_page(page, reverse("votes_vote", args=[household_vote.pk]), live_server.url)
    # A cadre: the new vote form, the meeting desk with a voter found, the close
    sign_in(page, live_server.url, world.people["secretary"])
    check_page(page, reverse("votes_new", args=[world.village.code]), live_server.url)
    check_page(
        page, reverse("votes_meeting", args=[household_vote.pk]) + "?q=1-01", live_server.url
    )
    check_page(page, reverse("votes_vote", args=[ended(household_vote).pk]), live_server.url)
    check_page(page, reverse("rules_version", args=[world.village.code, 1]), live_server.url)
