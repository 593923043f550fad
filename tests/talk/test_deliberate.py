"""Comments with one level of replies, official replies and the first-reply time, and likes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.notify.models import Notification
from jifen.talk import services
from jifen.talk.models import Comment, Like, Matter
from tests import factories
from tests.conftest import World
from tests.points import actor
from tests.talk.conftest import NOW, comment, raise_matter


def test_a_villagers_comment_is_not_a_reply(world: World) -> None:
    matter = raise_matter(world)
    said = comment(world, matter, "household_head", "我也看到了。")
    assert (said.parent, said.is_official, said.author_role) == (None, False, "household_head")
    matter.refresh_from_db()
    assert matter.first_reply_at is None
    assert not Notification.objects.exists()
    assert AuditEvent.objects.filter(action="talk.commented").count() == 1


@pytest.mark.parametrize("cadre", ["secretary", "committee_member"])
def test_a_cadres_first_comment_is_the_first_reply(world: World, cadre: str) -> None:
    # Given a matter raised at 9:00
    matter = raise_matter(world)
    # When a cadre replies at 12:20
    reply = comment(
        world, matter, cadre, "明天派人去修。", now=NOW + timedelta(hours=3, minutes=20)
    )
    # Then it is official, the matter records the time, and the raiser is told
    assert reply.is_official
    matter.refresh_from_db()
    assert matter.first_reply_at == NOW + timedelta(hours=3, minutes=20)
    note = Notification.objects.get()
    assert (note.user, note.kind) == (world.people["villager"], Notification.Kind.REPLY)
    assert note.text == "The village committee replied to your matter “村口路灯坏了”."
    assert note.url == f"/matters/{matter.pk}/"
    event = AuditEvent.objects.get(action="talk.replied")
    assert event.after == {
        "matter": matter.pk,
        "parent": None,
        "official": True,
        "first_reply": True,
    }


def test_a_later_reply_keeps_the_first_reply_time_and_tells_the_raiser_again(
    world: World,
) -> None:
    matter = raise_matter(world)
    comment(world, matter, "secretary", "收到。", now=NOW + timedelta(hours=1))
    comment(world, matter, "committee_member", "已派人。", now=NOW + timedelta(hours=5))
    matter.refresh_from_db()
    assert matter.first_reply_at == NOW + timedelta(hours=1)
    assert Notification.objects.filter(kind=Notification.Kind.REPLY).count() == 2


def test_a_villager_comment_before_the_cadre_does_not_count(world: World) -> None:
    matter = raise_matter(world)
    comment(world, matter, "household_head", now=NOW + timedelta(minutes=5))
    comment(world, matter, "grid_member", now=NOW + timedelta(minutes=10))
    comment(world, matter, "secretary", now=NOW + timedelta(hours=2))
    matter.refresh_from_db()
    assert matter.first_reply_at == NOW + timedelta(hours=2)


def test_a_cadre_commenting_on_a_matter_they_raised_is_not_a_reply(world: World) -> None:
    matter = raise_matter(world, "secretary")
    said = comment(world, matter, "secretary", "补充一下。", now=NOW + timedelta(minutes=1))
    assert not said.is_official
    matter.refresh_from_db()
    assert matter.first_reply_at is None
    assert not Notification.objects.exists()
    # Another cadre's answer is the reply
    comment(world, matter, "committee_member", now=NOW + timedelta(hours=1))
    matter.refresh_from_db()
    assert matter.first_reply_at == NOW + timedelta(hours=1)


def test_a_cadre_acting_as_villager_does_not_reply_for_the_committee(world: World) -> None:
    secretary = world.people["secretary"]
    matter = raise_matter(world)
    factories.grant(secretary, "villager", world.village)
    said = services.comment_on(
        actor=actor(secretary, "villager"),
        matter=matter,
        text="我个人觉得应该修。",
        idempotency_key=new_key(),
        now=NOW,
    )
    assert not said.is_official
    matter.refresh_from_db()
    assert matter.first_reply_at is None


def test_a_reply_to_a_reply_joins_the_top_comment(world: World) -> None:
    matter = raise_matter(world)
    top = comment(world, matter, "household_head", "灯杆也歪了。")
    reply = comment(world, matter, "grid_member", "我去看看。", reply_to=top)
    reply_to_reply = comment(world, matter, "villager", "谢谢！", reply_to=reply)
    assert reply.parent == top
    assert reply_to_reply.parent == top
    assert list(top.replies.order_by("pk")) == [reply, reply_to_reply]
    assert Comment.objects.filter(parent__parent__isnull=False).count() == 0


def test_a_reply_must_be_to_a_comment_of_the_same_matter(world: World) -> None:
    matter = raise_matter(world)
    other = raise_matter(world, title="水渠堵了")
    elsewhere = comment(world, other)
    before = Comment.objects.count()
    with pytest.raises(ValidationError) as refused:
        comment(world, matter, reply_to=elsewhere)
    assert refused.value.messages == ["That comment belongs to another matter."]
    assert Comment.objects.count() == before


def test_a_hidden_comment_takes_no_replies(world: World) -> None:
    matter = raise_matter(world)
    top = comment(world, matter, "household_head")
    services.hide_comment(actor=actor(world.people["secretary"]), comment=top, reason="跑题")
    top.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        comment(world, matter, "villager", reply_to=top)
    assert refused.value.messages == ["That comment was hidden; it takes no replies."]


@pytest.mark.parametrize(
    ("text", "message"),
    [("  ", "Write a comment first."), ("话" * 1001, "Keep it to 1000 characters; this has 1001.")],
)
def test_an_empty_or_long_comment_is_refused(world: World, text: str, message: str) -> None:
    matter = raise_matter(world)
    with pytest.raises(ValidationError) as refused:
        comment(world, matter, text=text)
    assert refused.value.messages == [message]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "who",
    ["store_keeper", "township_officer", "county_admin", "neighbour_secretary", "bank_officer"],
)
def test_only_people_of_the_village_comment(world: World, who: str) -> None:
    matter = raise_matter(world)
    with pytest.raises(PermissionDenied):
        comment(world, matter, who)
    assert not Comment.objects.exists()
    matter.refresh_from_db()
    assert matter.first_reply_at is None


def test_a_double_tap_posts_one_comment(world: World) -> None:
    matter = raise_matter(world)
    key = new_key()
    head = actor(world.people["household_head"])
    first = services.comment_on(actor=head, matter=matter, text="好", idempotency_key=key)
    again = services.comment_on(actor=head, matter=matter, text="好", idempotency_key=key)
    assert first == again
    assert Comment.objects.count() == 1


# Likes ---------------------------------------------------------------------------------------


def test_like_and_take_it_back(world: World) -> None:
    matter = raise_matter(world)
    head = actor(world.people["household_head"])
    assert services.set_like(actor=head, matter=matter, liked=True, now=NOW)
    # A second like (a double tap) changes nothing
    assert not services.set_like(actor=head, matter=matter, liked=True, now=NOW)
    assert Like.objects.filter(matter=matter).count() == 1
    assert services.set_like(actor=head, matter=matter, liked=False)
    assert not services.set_like(actor=head, matter=matter, liked=False)
    assert not Like.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-2:] == [
        "talk.liked",
        "talk.unliked",
    ]


def test_likes_are_counted_per_person(world: World) -> None:
    matter = raise_matter(world)
    for who in ["household_head", "villager", "grid_member", "secretary"]:
        services.set_like(actor=actor(world.people[who]), matter=matter, liked=True)
    assert Like.objects.filter(matter=matter).count() == 4


def test_the_database_refuses_a_second_like(world: World) -> None:
    matter = raise_matter(world)
    user = world.people["villager"]
    Like.objects.create(matter=matter, user=user, liked_at=NOW)
    with pytest.raises(IntegrityError):
        Like.objects.create(matter=matter, user=user, liked_at=NOW)


@pytest.mark.parametrize("who", ["township_admin", "neighbour_secretary", "store_keeper"])
def test_outsiders_do_not_like(world: World, who: str) -> None:
    matter = raise_matter(world)
    with pytest.raises(PermissionDenied):
        services.set_like(actor=actor(world.people[who]), matter=matter, liked=True)
    assert not Like.objects.exists()


def test_matter_keeps_reply_after_raise(world: World) -> None:
    # The database refuses a first reply before the matter was raised
    matter = raise_matter(world)
    with pytest.raises(IntegrityError):
        Matter.objects.filter(pk=matter.pk).update(first_reply_at=NOW - timedelta(seconds=1))
