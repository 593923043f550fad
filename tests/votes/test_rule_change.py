"""Rule changes by vote: a passed villagers' meeting adopts the draft, linked to the vote; a
failed one changes nothing; the draft stays as it is while the vote runs.

The village's rulebook version 1 (tests.points.small_rulebook) is in force. Draft version 2
raises the patrol (A02) from 10 to 15 points, adds a new item C01 and drops littering (X01).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.notify.models import Notification
from jifen.places.models import Place
from jifen.rules import services as rules
from jifen.rules.models import Category, Item, RulebookVersion
from jifen.votes import ballots, rulediff, services
from jifen.votes.models import Vote
from tests.conftest import World, log_in
from tests.points import NOW, actor, small_rulebook
from tests.votes.conftest import CLOSES, households, new_vote, option

AFTER = CLOSES + timedelta(minutes=1)


def draft_v2(village: Place) -> RulebookVersion:
    small_rulebook(village)
    draft = rules.draft_new_version(actor=None, village=village)
    patrol = Item.objects.get(version=draft, code="A02")
    rules.save_item(
        actor=None,
        version=draft,
        item=patrol,
        code="A02",
        category=patrol.category,
        title=patrol.title,
        points=15,
        unit=patrol.unit,
        scope=patrol.scope,
        cap_points=None,
        cap_period="",
        evidence_required=False,
        self_declarable=False,
        sensitive=False,
        kind=patrol.kind,
    )
    rules.save_item(
        actor=None,
        version=draft,
        code="C01",
        category=Category.objects.get(version=draft, title="公共事务"),
        title="婚丧事宜不大操大办",
        points=10,
        unit=Item.Unit.PER_EVENT,
        scope=Item.Scope.HOUSEHOLD,
        cap_points=None,
        cap_period="",
        evidence_required=False,
        self_declarable=False,
        sensitive=False,
        kind=Item.Kind.NORMAL,
    )
    rules.remove_item(actor=None, item=Item.objects.get(version=draft, code="X01"))
    return draft


def status_of(number: int) -> str:
    return RulebookVersion.objects.get(number=number).status


def put(world: World, draft: RulebookVersion, body: str = Vote.Body.HOUSEHOLDS) -> Vote:
    return new_vote(
        world,
        body,
        title="修订积分细则：婚事新办",
        question="是否同意第2版积分细则？",
        rule_change=draft,
    )


def vote_for(world: World, vote: Vote, *who: str, side: str = "For") -> None:
    for name in who:
        ballots.cast_ballot(
            actor=actor(world.people[name]), vote=vote, option=option(vote, side), now=NOW
        )


def close(vote: Vote, *, by: str | None = None, world: World | None = None) -> Vote:
    with time_machine.travel(AFTER, tick=False):
        closer = actor(world.people[by]) if by and world else None
        return services.close_vote(actor=closer, vote=vote, now=AFTER)


def test_the_vote_shows_the_change_item_by_item(world: World) -> None:
    draft = draft_v2(world.village)
    vote = put(world, draft)
    assert vote.proposal["against"] == 1 and vote.proposal["version"] == 2
    assert [item["code"] for item in vote.proposal["added"]] == ["C01"]
    assert [item["code"] for item in vote.proposal["removed"]] == ["X01"]
    assert vote.proposal["changed"] == [
        {
            "code": "A02",
            "title": "治安巡逻",
            "fields": [{"field": "points", "before": 10, "after": 15}],
        }
    ]
    assert vote.proposal["star_bands"] is None
    lines = rulediff.readable(vote.proposal)
    assert [(line.change, line.code) for line in lines] == [
        ("added", "C01"),
        ("changed", "A02"),
        ("removed", "X01"),
    ]
    assert lines[0].details == ["+10 once per event", "category: 公共事务"]
    assert lines[1].details == ["points: +10 → +15"]
    assert lines[2].details == ["-5 per occurrence"]


def test_a_passed_household_vote_adopts_the_draft_with_a_link(world: World) -> None:
    draft = draft_v2(world.village)
    vote = put(world, draft)
    # Both households vote For: quorum (2 of 2) and majority
    vote_for(world, vote, "household_head", "secretary")
    closed = close(vote)
    assert (closed.quorum_met, closed.passed) == (True, True)
    # The draft is in force, version 1 superseded, and the adoption names the vote
    draft.refresh_from_db()
    assert (draft.status, status_of(1)) == ("adopted", "superseded")
    assert (
        draft.meeting == "修订积分细则：婚事新办 · Villagers' meeting by household representatives"
    )
    assert draft.adopted_on == date(2026, 6, 20)
    assert draft.vote_result == "For 2, Against 0, Abstain 0 of 2 households; quorum met"
    assert draft.adopted_by is None
    assert list(draft.votes.all()) == [closed]
    adopted = AuditEvent.objects.get(action="rulebook.adopt")
    closing = AuditEvent.objects.get(action="votes.closed")
    assert (closing.after or {})["adopted_version"] == 2
    assert adopted.pk < closing.pk  # one transaction, adoption first


def test_a_passed_villagers_meeting_closed_by_a_cadre_adopts_it(world: World) -> None:
    draft = draft_v2(world.village)
    vote = put(world, draft, Vote.Body.VILLAGERS)
    # 3 of the 5 adults take part (more than half); all For
    vote_for(world, vote, "household_head", "villager", "secretary")
    closed = close(vote, by="committee_member", world=world)
    draft.refresh_from_db()
    assert closed.passed is True
    assert (draft.status, draft.adopted_by) == ("adopted", world.people["committee_member"])
    assert draft.vote_result.endswith("of 5 villagers aged 18 or over; quorum met")


def test_the_rulebook_version_page_links_to_the_vote(client: Client, world: World) -> None:
    draft = draft_v2(world.village)
    vote = put(world, draft)
    vote_for(world, vote, "household_head", "secretary")
    close(vote)
    log_in(client, world.people["villager"])
    html = client.get(reverse("rules_version", args=[world.village.code, 2])).content.decode()
    assert f'href="{reverse("votes_vote", args=[vote.pk])}"' in html
    assert "修订积分细则：婚事新办" in html


@pytest.mark.parametrize(
    ("sides", "reason"),
    [
        ({"household_head": "For"}, "quorum"),  # 1 of 2 households: below two thirds
        ({"household_head": "For", "secretary": "Against"}, "majority"),  # 1 of 2: half
    ],
)
def test_a_failed_vote_changes_nothing(world: World, sides: dict[str, str], reason: str) -> None:
    draft = draft_v2(world.village)
    vote = put(world, draft)
    for who, side in sides.items():
        vote_for(world, vote, who, side=side)
    closed = close(vote)
    assert closed.passed is False
    assert closed.quorum_met is (reason == "majority")
    draft.refresh_from_db()
    assert (draft.status, status_of(1)) == ("draft", "adopted")
    assert (draft.meeting, draft.adopted_on, draft.vote_result) == ("", None, "")
    assert not AuditEvent.objects.filter(action="rulebook.adopt").exists()
    # The draft may be revised again; discarding it keeps what the vote showed
    rules.discard_draft(actor=actor(world.people["secretary"]), version=draft)
    closed.refresh_from_db()
    assert closed.rule_change is None
    assert [item["code"] for item in closed.proposal["added"]] == ["C01"]


def test_the_draft_is_locked_while_the_vote_is_scheduled_or_open(world: World) -> None:
    draft = draft_v2(world.village)
    later = NOW + timedelta(days=1)
    vote = new_vote(world, rule_change=draft, opens_at=later, closes_at=CLOSES)
    assert vote.status == Vote.Status.SCHEDULED
    cadre = actor(world.people["secretary"])
    item = Item.objects.get(version=draft, code="C01")
    locked = "This draft is being put to a vote"
    for who in (cadre, None):
        with pytest.raises(ValidationError, match=locked):
            rules.discard_draft(actor=who, version=draft)
        with pytest.raises(ValidationError, match=locked):
            rules.add_category(actor=who, version=draft, title="新类别")
        with pytest.raises(ValidationError, match=locked):
            rules.remove_item(actor=who, item=item)
        with pytest.raises(ValidationError, match=locked):
            rules.save_star_bands(actor=who, version=draft, bands=[(1, 10)])
    services.run_due(now=later)
    vote.refresh_from_db()
    assert vote.status == Vote.Status.OPEN
    with pytest.raises(ValidationError, match=locked):
        rules.remove_item(actor=cadre, item=item)
    assert Item.objects.filter(version=draft).count() == 6
    # Closed (and failed: nobody voted), the draft may change again
    close(vote)
    rules.remove_item(actor=cadre, item=item)


def test_only_the_villagers_meeting_may_change_the_rules(world: World) -> None:
    draft = draft_v2(world.village)
    with pytest.raises(ValidationError, match="Only the villagers' meeting may adopt"):
        put(world, draft, Vote.Body.REPRESENTATIVES)
    with pytest.raises(ValidationError, match="A rule change is put as a motion"):
        new_vote(
            world,
            kind=Vote.Kind.CHOICE,
            options=["甲", "乙"],
            rule_change=draft,
        )
    assert not Vote.objects.exists()
    put(world, draft)
    with pytest.raises(ValidationError, match="already being put to a vote"):
        put(world, draft, Vote.Body.VILLAGERS)
    assert Vote.objects.count() == 1


def test_an_adopted_version_cannot_be_put_to_a_vote(world: World) -> None:
    in_force = small_rulebook(world.village)
    version = RulebookVersion.objects.get(pk=in_force.labour.version_id)
    with pytest.raises(ValidationError, match="Only a draft can be put to a vote"):
        put(world, version)


def test_if_the_adoption_fails_nothing_is_published(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    draft = draft_v2(world.village)
    vote = put(world, draft)
    other = new_vote(world, title="另一项表决")
    vote_for(world, vote, "household_head", "secretary")

    def refuse(**kwargs: object) -> RulebookVersion:
        raise ValidationError("The rulebook could not be adopted.")

    monkeypatch.setattr(services, "adopt_version", refuse)
    told = Notification.objects.count()
    # A cadre closing hears why; the job logs it and closes the other vote all the same
    with pytest.raises(ValidationError, match="could not be adopted"):
        close(vote, by="secretary", world=world)
    with time_machine.travel(AFTER, tick=False), caplog.at_level(logging.ERROR):
        done = services.run_due(now=AFTER)
    assert done.closed == 1
    assert f"could not close vote {vote.pk}" in caplog.text
    vote.refresh_from_db()
    other.refresh_from_db()
    assert (vote.status, vote.passed, vote.published_at) == ("open", None, None)
    assert other.status == "closed"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert AuditEvent.objects.filter(action="votes.closed").count() == 1
    assert Notification.objects.filter(kind="result").count() == Notification.objects.count() - told


def test_the_electorate_of_a_rule_change_is_the_villagers(world: World) -> None:
    # Four more households: a household vote on the rules counts every household of the village
    households(world.village, 4)
    draft = draft_v2(world.village)
    vote = put(world, draft)
    assert vote.electorate_size == 6
