"""Talk through its pages: the list, raising, the matter with its discussion, moderation, tasks,
ratings and the township; bad input with a clear message and nothing changed; query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jifen.core.idempotency import new_key
from jifen.talk import services
from jifen.talk.models import (
    Comment,
    CommentReport,
    Like,
    Matter,
    MatterPhoto,
    Progress,
    Rating,
    Task,
)
from tests.conftest import World, log_in
from tests.points import actor
from tests.talk.conftest import NOW, TODAY, comment, done, hand_out, jpeg, raise_matter

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen() -> Any:
    # A little after the matters are raised: pages read the clock.
    with time_machine.travel(NOW + timedelta(hours=1), tick=False) as traveller:
        yield traveller


def page(client: Client, name: str, *args: object, **query: str) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def state() -> tuple[int, ...]:
    return (
        Matter.objects.count(),
        MatterPhoto.objects.count(),
        Comment.objects.count(),
        Comment.objects.filter(hidden_at__isnull=False).count(),
        Like.objects.count(),
        CommentReport.objects.count(),
        Task.objects.count(),
        Task.objects.filter(done_at__isnull=False).count(),
        Progress.objects.count(),
        Rating.objects.count(),
    )


# The list ------------------------------------------------------------------------------------


def test_the_village_page_lists_matters_with_their_stage_and_figures(
    client: Client, world: World
) -> None:
    matter = raise_matter(world)
    comment(world, matter, "secretary", now=NOW + timedelta(minutes=40))
    raise_matter(world, "household_head", title="水渠堵了", category="complaint")
    log_in(client, world.people["villager"])
    html = page(client, "talk_matters", world.village.code)
    assert "村口路灯坏了" in html and "水渠堵了" in html
    assert "replied after 40 min" in html
    assert "waiting 1 h 0 min" in html
    assert "Waiting for a reply" in html and "Replied" in html
    assert "2 matters" in html
    assert "Median time to the first reply" in html
    assert reverse("talk_matter_new", args=[world.village.code]) in html


def test_the_list_filters_and_pages(client: Client, world: World) -> None:
    for n in range(23):
        raise_matter(world, title=f"事{n:02d}", category="repair" if n % 2 else "proposal")
    log_in(client, world.people["grid_member"])
    html = page(client, "talk_matters", world.village.code, category="repair")
    assert "11 matters" in html
    assert "事01" in html and "事02" not in html
    html = page(client, "talk_matters", world.village.code, page="2")
    assert "Page 2 of 2" in html and "事02" in html and "事22" not in html
    html = page(client, "talk_matters", world.village.code, stage="raised", category="proposal")
    assert "12 matters" in html
    assert "?stage=raised&amp;category=proposal&amp;page=2" not in html  # 12 fit on one page


def test_an_unknown_filter_says_so_and_shows_everything(client: Client, world: World) -> None:
    raise_matter(world)
    log_in(client, world.people["villager"])
    html = page(client, "talk_matters", world.village.code, stage="lost")
    assert "Select a valid choice. lost is not one of the available choices." in html
    assert "1 matter" in html


def test_a_grid_member_has_no_raise_button(client: Client, world: World) -> None:
    log_in(client, world.people["grid_member"])
    html = page(client, "talk_matters", world.village.code)
    assert reverse("talk_matter_new", args=[world.village.code]) not in html


def busy_matter(world: World, n: int) -> None:
    """A matter with a photo, a like, a reply, a hidden comment, a done and rated task."""
    matter = raise_matter(world, title=f"事{n}", photos=[jpeg(size=(32, 32))])
    services.set_like(actor=actor(world.people["household_head"]), matter=matter, liked=True)
    comment(world, matter, "secretary", now=NOW + timedelta(minutes=n))
    rude = comment(world, matter, "household_head", "乱说")
    services.hide_comment(actor=actor(world.people["secretary"]), comment=rude, reason="跑题")
    task = done(world, hand_out(world, matter, due_on=TODAY))
    services.rate(actor=actor(world.people["villager"]), task=task, stars=4, comment="好", now=NOW)
    hand_out(world, raise_matter(world, title=f"迟{n}"), due_on=TODAY)


@pytest.mark.parametrize(
    ("who", "url", "expected"),
    [
        ("villager", lambda w: reverse("talk_matters", args=[w.village.code]), 12),
        (
            "secretary",
            lambda w: reverse("talk_matters", args=[w.village.code]) + "?stage=rated",
            13,
        ),
        ("township_officer", lambda w: reverse("talk_township", args=[w.township.code]), 8),
        ("secretary", lambda w: reverse("talk_reports", args=[w.village.code]), 6),
    ],
)
def test_list_pages_do_not_query_more_with_more_matters(
    client: Client,
    world: World,
    django_assert_num_queries: Any,
    frozen: Any,
    who: str,
    url: Callable[[World], str],
    expected: int,
) -> None:
    for n in range(3):
        busy_matter(world, n)
    frozen.shift(timedelta(days=3))  # the open tasks are overdue by now
    log_in(client, world.people[who])
    with django_assert_num_queries(expected):
        assert client.get(url(world)).status_code == 200
    for n in range(3, 10):
        busy_matter(world, n)
    with django_assert_num_queries(expected):
        assert client.get(url(world)).status_code == 200


def test_the_matter_page_does_not_query_more_with_more_comments(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    matter = raise_matter(world, photos=[jpeg(size=(32, 32))])
    task = hand_out(world, matter)
    services.post_progress(
        actor=actor(world.people["committee_member"]),
        task=task,
        text="在办",
        photos=[jpeg(size=(32, 32))],
        idempotency_key=new_key(),
    )

    def talk(times: int) -> None:
        for _ in range(times):
            top = comment(world, matter, "household_head")
            comment(world, matter, "grid_member", reply_to=top)

    talk(3)
    log_in(client, world.people["villager"])
    url = reverse("talk_matter", args=[matter.pk])
    with django_assert_num_queries(19):
        assert client.get(url).status_code == 200
    talk(10)
    with django_assert_num_queries(19):
        assert client.get(url).status_code == 200


# Raising -------------------------------------------------------------------------------------


def test_a_villager_raises_a_matter_with_photos(client: Client, world: World) -> None:
    log_in(client, world.people["villager"])
    url = reverse("talk_matter_new", args=[world.village.code])
    assert 'enctype="multipart/form-data"' in page(client, "talk_matter_new", world.village.code)
    response = client.post(
        url,
        {
            "title": "三组水渠堵了",
            "category": "repair",
            "text": "下雨就漫到路上。",
            "photos": [jpeg("1.jpg"), jpeg("2.jpg")],
            "idempotency_key": new_key(),
        },
    )
    matter = Matter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("talk_matter", args=[matter.pk])
    assert matter.photos.count() == 2
    html = page(client, "talk_matter", matter.pk)
    assert "三组水渠堵了" in html and "下雨就漫到路上。" in html
    assert html.count('class="evidence"') == 2
    assert "Photo 1 of 2 of the matter" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        (
            {"category": "gossip"},
            "Select a valid choice. gossip is not one of the available choices.",
        ),
        ({"text": "   "}, "This field is required."),
        ({"photos": [jpeg(f"{n}.jpg") for n in range(7)]}, "At most 6 photos."),
        ({"title": "路" * 81}, "Ensure this value has at most 80 characters (it has 81)."),
    ],
)
def test_bad_matters_are_refused_with_a_clear_message(
    client: Client, world: World, data: dict[str, Any], message: str
) -> None:
    log_in(client, world.people["villager"])
    before = state()
    fields = {"title": "水渠", "category": "repair", "text": "堵了", "idempotency_key": new_key()}
    response = client.post(reverse("talk_matter_new", args=[world.village.code]), fields | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_a_photo_that_is_not_a_photo_is_refused(client: Client, world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    log_in(client, world.people["villager"])
    before = state()
    fake = SimpleUploadedFile("x.jpg", b"GIF89a-not-really", content_type="image/jpeg")
    fields = {"title": "水渠", "category": "repair", "text": "堵了", "idempotency_key": new_key()}
    response = client.post(
        reverse("talk_matter_new", args=[world.village.code]), fields | {"photos": [fake]}
    )
    assert response.status_code == 200
    assert "This file is not a photo we can read." in response.content.decode()
    assert state() == before


# The discussion ------------------------------------------------------------------------------


def test_comment_and_reply_on_the_page(client: Client, world: World) -> None:
    matter = raise_matter(world)
    url = reverse("talk_matter", args=[matter.pk])
    log_in(client, world.people["household_head"])
    response = client.post(url, {"text": "灯杆也歪了", "idempotency_key": new_key()})
    top = Comment.objects.get()
    assert response["Location"] == f"{url}#comment-{top.pk}"
    assert messages_of(client.get(url)) == ["Your comment was posted."]
    log_in(client, world.people["committee_member"])
    reply_key = new_key()
    client.post(url, {"text": "明天去修", "reply_to": str(top.pk), "idempotency_key": reply_key})
    reply = Comment.objects.get(parent=top)
    assert reply.is_official
    # A reply to the reply joins the top comment
    log_in(client, world.people["villager"])
    client.post(url, {"text": "谢谢", "reply_to": str(reply.pk), "idempotency_key": new_key()})
    assert list(top.replies.values_list("text", flat=True)) == ["明天去修", "谢谢"]
    html = page(client, "talk_matter", matter.pk)
    assert "Village committee" in html
    assert "replied after 1 h 0 min" in html
    assert "Replied" in html


def test_a_bad_comment_shows_why_and_changes_nothing(client: Client, world: World) -> None:
    matter = raise_matter(world)
    other = comment(world, raise_matter(world, title="别的事"))
    url = reverse("talk_matter", args=[matter.pk])
    log_in(client, world.people["villager"])
    before = state()
    empty = client.post(url, {"text": " ", "idempotency_key": new_key()})
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    astray = client.post(
        url, {"text": "回复", "reply_to": str(other.pk), "idempotency_key": new_key()}
    )
    assert astray.status_code == 200
    assert "That comment belongs to another matter." in astray.content.decode()
    assert state() == before


def test_like_and_unlike_on_the_page(client: Client, world: World) -> None:
    matter = raise_matter(world)
    log_in(client, world.people["household_head"])
    url = reverse("talk_like", args=[matter.pk])
    assert client.post(url, {"liked": "1"})["Location"].endswith("#likes")
    client.post(url, {"liked": "1"})  # a double tap
    html = page(client, "talk_matter", matter.pk)
    assert "1 like" in html and "Take back my like" in html
    client.post(url, {"liked": "0"})
    html = page(client, "talk_matter", matter.pk)
    assert "0 likes" in html and "Take back my like" not in html


def test_report_and_hide_on_the_pages(client: Client, world: World) -> None:
    matter = raise_matter(world)
    rude = comment(world, matter, "household_head", "都是他的错")
    log_in(client, world.people["villager"])
    assert "Report this comment" in page(client, "talk_matter", matter.pk)
    url = reverse("talk_report", args=[rude.pk])
    response = client.post(url, {"reason": "人身攻击"}, follow=True)
    assert messages_of(response) == ["Thank you. The village committee will look at the comment."]
    response = client.post(url, {"reason": ""}, follow=True)
    assert messages_of(response) == ["You have reported this comment already."]
    assert CommentReport.objects.count() == 1
    assert "You reported this comment." in response.content.decode()
    # The committee sees it reported, and hides it from the list
    log_in(client, world.people["secretary"])
    assert "Reported comments (1)" in page(client, "talk_matters", world.village.code)
    html = page(client, "talk_reports", world.village.code)
    assert "都是他的错" in html and "人身攻击" in html
    hide = reverse("talk_hide", args=[rude.pk])
    response = client.post(hide, {"reason": "", "next": "reports"}, follow=True)
    assert messages_of(response) == ["Say why the comment is hidden, in up to 200 characters."]
    rude.refresh_from_db()
    assert not rude.is_hidden
    response = client.post(hide, {"reason": "人身攻击", "next": "reports"})
    assert response["Location"] == reverse("talk_reports", args=[world.village.code])
    rude.refresh_from_db()
    assert rude.hidden_reason == "人身攻击"
    assert "No reported comments wait for the committee." in page(
        client, "talk_reports", world.village.code
    )


# Tasks and ratings ---------------------------------------------------------------------------


def test_the_task_flow_on_the_pages(client: Client, world: World) -> None:
    matter = raise_matter(world)
    log_in(client, world.people["secretary"])
    html = page(client, "talk_task_new", matter.pk)
    assert "陈委员" in html and "李书记" in html and "周网格" not in html
    url = reverse("talk_task_new", args=[matter.pk])
    before = state()
    past = client.post(
        url,
        {
            "text": "换灯泡",
            "assignees": [world.people["committee_member"].pk],
            "due_on": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert "The due date cannot be in the past." in past.content.decode()
    nobody = client.post(url, {"text": "换灯泡", "due_on": TODAY.isoformat()})
    assert "This field is required." in nobody.content.decode()
    assert state() == before
    response = client.post(
        url,
        {
            "text": "换灯泡",
            "assignees": [world.people["committee_member"].pk],
            "due_on": (TODAY + timedelta(days=3)).isoformat(),
        },
    )
    assert response["Location"].endswith("#task")
    assert messages_of(client.get(response["Location"])) == ["The task was handed out."]
    task = Task.objects.get()
    # A second task for the same matter is not offered
    again = client.get(url, follow=True)
    assert messages_of(again) == ["This matter has a task already."]
    # The cadre in charge posts progress with a photo and marks it done
    log_in(client, world.people["committee_member"])
    progress_url = reverse("talk_progress", args=[task.pk])
    empty = client.post(progress_url, {"text": "", "idempotency_key": new_key()})
    assert "This field is required." in empty.content.decode()
    client.post(
        progress_url,
        {"text": "灯泡买好了", "photos": [jpeg()], "idempotency_key": new_key()},
    )
    assert task.progress.get().photos.count() == 1
    html = page(client, "talk_matter", matter.pk)
    assert "灯泡买好了" in html and "In hand" in html and "Progress photo 1" in html
    response = client.post(reverse("talk_done", args=[task.pk]), follow=True)
    assert messages_of(response) == [
        "The task is done. The villager who raised it is asked to rate it."
    ]
    response = client.post(reverse("talk_done", args=[task.pk]), follow=True)
    assert messages_of(response) == ["This task is done already."]
    # The raiser rates it
    log_in(client, world.people["villager"])
    html = page(client, "talk_matter", matter.pk)
    assert "Rate the work" in html and "Ratings are taken until 2026-06-15." in html
    rate_url = reverse("talk_rate", args=[task.pk])
    assert "Stars, from 1 (poor) to 5 (very good)" in page(client, "talk_rate", task.pk)
    bad = client.post(rate_url, {"stars": "9", "comment": "好"})
    assert "Select a valid choice. 9 is not one of the available choices." in bad.content.decode()
    assert not Rating.objects.exists()
    response = client.post(rate_url, {"stars": "5", "comment": "修得很快"})
    assert response["Location"].endswith("#ratings")
    html = page(client, "talk_matter", matter.pk)
    assert "5.0 of 5 stars (1 rating)" in html
    assert "Rated" in html and "Rate the work" not in html
    again = client.post(rate_url, {"stars": "4", "comment": "再评"})
    assert "You have rated this task already." in again.content.decode()


def test_the_rating_page_after_the_window(client: Client, world: World, frozen: Any) -> None:
    task = done(world, hand_out(world, raise_matter(world)))
    frozen.move_to(NOW + timedelta(days=15))
    log_in(client, world.people["villager"])
    html = page(client, "talk_rate", task.pk)
    assert "Ratings closed on 2026-06-15." in html
    assert "Send the rating" not in html
    response = client.post(reverse("talk_rate", args=[task.pk]), {"stars": "5", "comment": "好"})
    assert "Ratings closed on 2026-06-15, 14 days after the task was done." in (
        response.content.decode()
    )
    assert not Rating.objects.exists()


def test_the_village_page_shows_ratings_per_cadre(client: Client, world: World) -> None:
    task = done(world, hand_out(world, raise_matter(world)))
    for who, stars in [("villager", 5), ("household_head", 4)]:
        services.rate(actor=actor(world.people[who]), task=task, stars=stars, comment="好", now=NOW)
    log_in(client, world.people["supervisor"])
    html = page(client, "talk_matters", world.village.code)
    assert "Ratings per cadre" in html
    assert "陈委员" in html and "4.5" in html
    assert "4.5 of 5 stars (2 ratings)" in html


def test_the_township_page(client: Client, world: World) -> None:
    matter = raise_matter(world)
    comment(world, matter, "secretary", now=NOW + timedelta(hours=2))
    log_in(client, world.people["township_admin"])
    html = page(client, "talk_township", world.township.code)
    assert "桂花村" in html and "双河村" in html and "玉泉村" not in html
    assert "2 h 0 min" in html
    assert "No task is overdue." in html


def test_the_votes_block_offers_a_vote_to_cadres_only(client: Client, world: World) -> None:
    matter = raise_matter(world)
    log_in(client, world.people["villager"])
    html = page(client, "talk_matter", matter.pk)
    assert "This matter has not been put to a vote." in html
    assert "Put to a vote" not in html
