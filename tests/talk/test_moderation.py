"""Reporting a comment, hiding it with a reason, and who sees what afterwards."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from jifen.audit.models import AuditEvent
from jifen.notify.models import Notification
from jifen.talk import selectors, services
from jifen.talk.models import Comment, CommentReport
from tests.conftest import World, log_in
from tests.points import actor
from tests.talk.conftest import NOW, comment, raise_matter


@pytest.fixture
def rude(world: World) -> Comment:
    matter = raise_matter(world)
    return comment(world, matter, "household_head", "这事就是某某人干的，他不是好东西。")


def hide(
    world: World, rude: Comment, reason: str = "涉及人身攻击", who: str = "secretary"
) -> Comment:
    return services.hide_comment(
        actor=actor(world.people[who]), comment=rude, reason=reason, now=NOW
    )


def test_a_villager_reports_a_comment_once(world: World, rude: Comment) -> None:
    villager = actor(world.people["villager"])
    report = services.report_comment(actor=villager, comment=rude, reason="骂人", now=NOW)
    assert (report.reported_by, report.reason) == (world.people["villager"], "骂人")
    with pytest.raises(ValidationError) as again:
        services.report_comment(actor=villager, comment=rude)
    assert again.value.messages == ["You have reported this comment already."]
    assert CommentReport.objects.count() == 1
    assert AuditEvent.objects.filter(action="talk.comment_reported").count() == 1


def test_nobody_reports_their_own_comment(world: World, rude: Comment) -> None:
    with pytest.raises(PermissionDenied):
        services.report_comment(actor=actor(world.people["household_head"]), comment=rude)
    assert not CommentReport.objects.exists()


@pytest.mark.parametrize("who", ["township_officer", "neighbour_secretary", "store_keeper"])
def test_outsiders_do_not_report(world: World, rude: Comment, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.report_comment(actor=actor(world.people[who]), comment=rude)
    assert not CommentReport.objects.exists()


def test_reported_comments_are_listed_for_the_cadres(world: World, rude: Comment) -> None:
    fine = comment(world, rude.matter, "grid_member", "明天我去看看。")
    for who in ["villager", "supervisor"]:
        services.report_comment(actor=actor(world.people[who]), comment=rude, now=NOW)
    listed = list(selectors.reported_comments(world.village))
    assert listed == [rude]
    assert listed[0].report_count == 2
    assert selectors.reported_count(world.village) == 1
    assert fine not in listed
    # Once hidden, it leaves the list
    hide(world, rude)
    assert list(selectors.reported_comments(world.village)) == []


def test_a_cadre_hides_a_comment_with_a_reason(world: World, rude: Comment) -> None:
    hidden = hide(world, rude)
    rude.refresh_from_db()
    assert rude.is_hidden
    assert (rude.hidden_at, rude.hidden_by, rude.hidden_reason) == (
        NOW,
        world.people["secretary"],
        "涉及人身攻击",
    )
    assert hidden.hidden_reason == "涉及人身攻击"
    # Audited, with the reason
    event = AuditEvent.objects.get(action="talk.comment_hidden")
    assert event.actor == world.people["secretary"]
    assert event.actor_role == "secretary"
    assert event.before == {"hidden": False}
    assert event.after == {
        "hidden": True,
        "reason": "涉及人身攻击",
        "author": world.people["household_head"].pk,
    }
    # And its author is told why
    note = Notification.objects.get(kind=Notification.Kind.COMMENT_HIDDEN)
    assert note.user == world.people["household_head"]
    assert note.text == "The village committee hid your comment: 涉及人身攻击"


def test_a_hidden_comment_is_hidden_once(world: World, rude: Comment) -> None:
    hide(world, rude)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as again:
        hide(world, rude, "再藏一次", who="committee_member")
    assert again.value.messages == ["This comment is hidden already."]
    rude.refresh_from_db()
    assert rude.hidden_reason == "涉及人身攻击"
    assert AuditEvent.objects.count() == before


def test_a_reason_is_required(world: World, rude: Comment) -> None:
    with pytest.raises(ValidationError) as refused:
        hide(world, rude, "  ")
    assert refused.value.messages == ["Say why the comment is hidden."]
    rude.refresh_from_db()
    assert not rude.is_hidden
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "who", ["villager", "grid_member", "supervisor", "township_admin", "neighbour_secretary"]
)
def test_only_the_committee_hides(world: World, rude: Comment, who: str) -> None:
    with pytest.raises(PermissionDenied):
        hide(world, rude, who=who)
    rude.refresh_from_db()
    assert not rude.is_hidden


def test_the_author_sees_the_hidden_comment_with_the_reason_others_only_the_reason(
    client: Client, world: World, rude: Comment
) -> None:
    hide(world, rude)
    url = reverse("talk_matter", args=[rude.matter_id])
    # The author
    log_in(client, world.people["household_head"])
    page = client.get(url).content.decode()
    assert "这事就是某某人干的" in page
    assert "Hidden by the village committee: 涉及人身攻击. Only you see this comment." in page
    # Anyone else, a cadre too
    for who in ["villager", "committee_member", "township_officer"]:
        log_in(client, world.people[who])
        page = client.get(url).content.decode()
        assert "这事就是某某人干的" not in page
        assert "Hidden by the village committee: 涉及人身攻击" in page
        assert "Only you see this comment." not in page
