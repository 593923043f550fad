"""The vote pages: the list, putting a question (or a matter) to a vote, voting, naming the
household's voter, the meeting desk, the close and the published result."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.core.idempotency import new_key
from jifen.talk.models import Matter
from jifen.votes import ballots, services
from jifen.votes.models import Ballot, Vote
from tests.conftest import World, log_in
from tests.points import actor
from tests.votes.conftest import counts, households, new_vote, option
from tests.votes.test_rule_change import draft_v2


def live(world: World, body: str = Vote.Body.HOUSEHOLDS, **extra: Any) -> Vote:
    """A vote open now, by the real clock of the pages."""
    return new_vote(world, body, now=timezone.now(), **extra)


def ended(vote: Vote) -> Vote:
    """The same vote, its window moved into the past (not yet closed)."""
    now = timezone.now()
    Vote.objects.filter(pk=vote.pk).update(
        opens_at=now - timedelta(days=6), closes_at=now - timedelta(minutes=1)
    )
    vote.refresh_from_db()
    return vote


def page(client: Client, name: str, *args: object, **query: str) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def follow(response: Any, client: Client) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


# The list ---------------------------------------------------------------------------------


def test_the_list_shows_open_coming_and_closed_votes(client: Client, world: World) -> None:
    now = timezone.now()
    open_vote = live(world, title="修村东水渠")
    coming = new_vote(world, title="村规民约修订", now=now, opens_at=now + timedelta(days=2))
    done = ended(live(world, title="路灯选址", kind=Vote.Kind.CHOICE, options=["东头", "西头"]))
    services.close_vote(actor=None, vote=done)
    log_in(client, world.people["villager"])
    html = page(client, "votes_list", world.village.code)
    assert html.index("修村东水渠") < html.index("村规民约修订") < html.index("路灯选址")
    assert "0 of 2 voted" in html
    assert "Not passed: too few took part" in html
    assert f'href="{reverse("votes_vote", args=[coming.pk])}"' in html
    assert f'href="{reverse("votes_vote", args=[open_vote.pk])}"' in html
    # No "New vote" link for a villager
    assert reverse("votes_new", args=[world.village.code]) not in html


def test_the_list_costs_the_same_queries_for_many_votes(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    live(world, title="第一项")
    log_in(client, world.people["villager"])
    url = reverse("votes_list", args=[world.village.code])
    client.get(url)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    # More households in 桂花村 (more electors) and in 双河村, and five more votes held
    households(world.village, 10)
    households(world.neighbour_village, 3, start=20)
    for n in range(5):
        services.close_vote(actor=None, vote=ended(live(world, title=f"第{n}项")))
    with django_assert_num_queries(6):
        assert "第4项" in page(client, "votes_list", world.village.code)


# Putting a question to a vote -------------------------------------------------------------


def form_data(**changes: str) -> dict[str, str]:
    closes = timezone.localtime() + timedelta(days=5)
    return {
        "title": "修村东水渠",
        "question": "村集体出资两万元修村东水渠，是否同意？",
        "kind": "motion",
        "options": "",
        "body": "households",
        "opens_at": "",
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
        "idempotency_key": new_key(),
        **changes,
    }


def test_a_cadre_puts_a_matter_to_a_vote(client: Client, world: World) -> None:
    matter = Matter.objects.create(
        village=world.village,
        raised_by=world.people["villager"],
        title="村东水渠漏水",
        text="水渠多处漏水，需要修补。",
        category=Matter.Category.REPAIR,
        raised_at=timezone.now(),
    )
    log_in(client, world.people["secretary"])
    url = reverse("votes_new", args=[world.village.code]) + f"?matter={matter.pk}"
    html = client.get(url).content.decode()
    # The form starts from the matter
    assert 'value="村东水渠漏水"' in html and "水渠多处漏水，需要修补。" in html
    response = client.post(url, form_data(title="村东水渠漏水"))
    vote = Vote.objects.get()
    assert response["Location"] == reverse("votes_vote", args=[vote.pk])
    assert (vote.matter, vote.status, vote.body, vote.electorate_size) == (
        matter,
        "open",
        "households",
        2,
    )
    assert list(matter.votes.all()) == [vote]
    assert "The vote is open." in client.get(response["Location"]).content.decode()


def test_a_choice_lists_its_options_one_a_line(client: Client, world: World) -> None:
    log_in(client, world.people["committee_member"])
    url = reverse("votes_new", args=[world.village.code])
    client.post(url, form_data(kind="choice", options="东线\n\n西线\n不修 ", body="villagers"))
    vote = Vote.objects.get()
    assert counts(vote) == {"东线": 0, "西线": 0, "不修": 0}


def test_a_refused_vote_says_why(client: Client, world: World) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("votes_new", args=[world.village.code])
    response = client.post(url, form_data(secret="on", changes_allowed="on"))
    assert response.status_code == 200
    assert "A secret ballot cannot be changed" in response.content.decode()
    assert not Vote.objects.exists()


def test_a_cadre_carries_the_draft_rulebook(client: Client, world: World) -> None:
    draft_v2(world.village)
    log_in(client, world.people["secretary"])
    url = reverse("votes_new", args=[world.village.code])
    assert "Carry the draft rulebook (version 2)" in page(client, "votes_new", world.village.code)
    follow(client.post(url, form_data(carry_rule_change="on")), client)
    vote = Vote.objects.get()
    html = page(client, "votes_vote", vote.pk)
    assert "Proposed change to the rulebook" in html
    assert "Draft version 2, against version 1 in force." in html
    assert "points: +10 → +15" in html
    assert "婚丧事宜不大操大办" in html


# Voting -----------------------------------------------------------------------------------


def test_a_villager_votes_once_and_the_result_waits_for_the_close(
    client: Client, world: World
) -> None:
    vote = live(world, Vote.Body.VILLAGERS)
    log_in(client, world.people["villager"])
    html = page(client, "votes_vote", vote.pk)
    assert "Cast my vote" in html
    assert "The results are published when the vote closes" in html
    url = reverse("votes_vote", args=[vote.pk])
    html = follow(client.post(url, {"option": option(vote, "For").pk}), client)
    assert "Your vote was recorded." in html
    assert "You voted For" in html
    assert "Cast my vote" not in html
    assert "You have already voted." in html
    # A second ballot (an old page, a double tap) is told the same, and counts nothing
    response = client.post(url, {"option": option(vote, "Against").pk})
    assert response.status_code == 200
    assert "You have already voted." in response.content.decode()
    assert counts(vote) == {"For": 1, "Against": 0, "Abstain": 0}
    # The results are not on the page before the close
    assert "Results so far" not in html and "<caption>" not in html


def test_a_changeable_vote_offers_the_change(client: Client, world: World) -> None:
    vote = live(world, Vote.Body.VILLAGERS, changes_allowed=True)
    log_in(client, world.people["villager"])
    url = reverse("votes_vote", args=[vote.pk])
    client.post(url, {"option": option(vote, "For").pk})
    assert "Change my vote" in page(client, "votes_vote", vote.pk)
    html = follow(client.post(url, {"option": option(vote, "Abstain").pk}), client)
    assert "Your vote was changed." in html
    assert counts(vote) == {"For": 0, "Against": 0, "Abstain": 1}


def test_a_secret_ballot_page_never_shows_the_choice(client: Client, world: World) -> None:
    vote = live(world, secret=True)
    log_in(client, world.people["household_head"])
    url = reverse("votes_vote", args=[vote.pk])
    html = follow(client.post(url, {"option": option(vote, "Against").pk}), client)
    assert "You have voted. Your choice is secret" in html
    assert "You voted" not in html


def test_the_head_names_a_member_who_then_votes(client: Client, world: World) -> None:
    vote = live(world)
    member = world.people["villager"]
    log_in(client, member)
    html = page(client, "votes_vote", vote.pk)
    assert "The household&#x27;s vote is cast by its head" in html
    assert "Cast my vote" not in html
    head = Client()
    head.cookies["django_language"] = "en"
    log_in(head, world.people["household_head"])
    assert "Who casts the household's vote" in page(head, "votes_vote", vote.pk)
    response = head.post(reverse("votes_delegate", args=[vote.pk]), {"member": member.resident_id})
    assert "may now cast the household&#x27;s vote" in follow(response, head)
    assert "Cast my vote" in page(client, "votes_vote", vote.pk)
    client.post(reverse("votes_vote", args=[vote.pk]), {"option": option(vote, "For").pk})
    assert Ballot.objects.get().cast_by == member
    # Voted: the head no longer names anyone
    assert "Who casts the household's vote" not in page(head, "votes_vote", vote.pk)


def test_the_meeting_desk_records_a_ballot_cast_in_person(client: Client, world: World) -> None:
    households(world.village, 2)
    vote = live(world)
    log_in(client, world.people["secretary"])
    assert "Record ballots cast in person" in page(client, "votes_vote", vote.pk)
    html = page(client, "votes_meeting", vote.pk, q="1-01")
    assert "1-01 王建国" in html
    assert "9-001" not in html
    elector = vote.electors.get(household=world.home)
    response = client.post(
        reverse("votes_meeting", args=[vote.pk]),
        {"elector": elector.pk, "option": option(vote, "For").pk, "q": "1-01"},
    )
    assert response["Location"].endswith("?q=1-01")
    html = client.get(response["Location"]).content.decode()
    assert "Recorded the ballot of 1-01 王建国." in html
    assert "No voter who has not yet voted matches." in html
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.cast_by) == ("meeting", world.people["secretary"])


def test_the_meeting_desk_refuses_a_secret_vote(client: Client, world: World) -> None:
    vote = live(world, secret=True)
    log_in(client, world.people["secretary"])
    assert "Record ballots cast in person" not in page(client, "votes_vote", vote.pk)
    assert "cannot be recorded for them" in page(client, "votes_meeting", vote.pk, q="1-01")


def test_a_cadre_closes_and_publishes_after_the_window(client: Client, world: World) -> None:
    vote = live(world)
    for who in ("household_head", "secretary"):
        ballots.cast_ballot(actor=actor(world.people[who]), vote=vote, option=option(vote, "For"))
    log_in(client, world.people["committee_member"])
    html = page(client, "votes_vote", vote.pk)
    assert "Close and publish the result" not in html
    # Too early: refused with the reason
    response = client.post(reverse("votes_close", args=[vote.pk]))
    assert "The vote is open until" in follow(response, client)
    ended(vote)
    assert "Close and publish the result" in page(client, "votes_vote", vote.pk)
    html = follow(client.post(reverse("votes_close", args=[vote.pk])), client)
    assert "The vote is closed and its result published." in html
    assert "<strong>Passed</strong>" in html
    assert "2 of 2 households took part; two thirds or more needed (2): met." in html
    assert "2 of the 2 taking part chose For; more than half needed (2): reached." in html
    vote.refresh_from_db()
    assert (vote.status, vote.passed, vote.closed_by) == (
        "closed",
        True,
        world.people["committee_member"],
    )
