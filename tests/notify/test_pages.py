"""An account's notifications: the list, opening one, marking all read, and nobody else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jifen.accounts.models import User
from jifen.notify.context_processors import unread
from jifen.notify.models import Notification
from jifen.notify.views import PAGE_SIZE, is_local_path
from tests.conftest import World, log_in
from tests.notify.conftest import T0

pytestmark = pytest.mark.usefixtures("in_english")


def told(
    user: User, text: str, *, url: str = "", minutes: int = 0, read: bool = False
) -> Notification:
    at = T0 + timedelta(minutes=minutes)
    return Notification.objects.create(
        user=user,
        kind=Notification.Kind.REPLY,
        text=text,
        url=url,
        created_at=at,
        read_at=at if read else None,
    )


def page(client: Client, **query: str) -> str:
    response = client.get(reverse("notify_list"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_my_notifications_newest_first_with_the_unread_marked(
    client: Client, world: World
) -> None:
    villager = world.people["villager"]
    told(villager, "村委会回复了您的事项", minutes=1, read=True)
    told(villager, "第3号表决开始了", minutes=2)
    told(world.people["secretary"], "别人的通知", minutes=3)
    log_in(client, villager)
    html = page(client)
    assert "<h1>Notifications</h1>" in html
    assert "1 unread notification" in html
    assert html.index("第3号表决开始了") < html.index("村委会回复了您的事项")
    assert "别人的通知" not in html
    assert html.count('<strong class="unread-label">New</strong>') == 1
    assert '<li class="card unread">' in html
    assert "Mark all read" in html
    assert 'datetime="2026-06-01T16:02:00+08:00"' in html


def test_the_list_is_paginated(client: Client, alice: User) -> None:
    for n in range(PAGE_SIZE + 2):
        told(alice, f"通知{n:02d}", minutes=n)
    client.force_login(alice)
    first = page(client)
    assert f"通知{PAGE_SIZE + 1:02d}" in first and "通知00" not in first
    assert "Page 1 of 2" in first
    second = page(client, page="2")
    assert "通知00" in second and "通知01" in second and f"通知{PAGE_SIZE + 1:02d}" not in second


def test_someone_with_no_notifications_is_told_so(client: Client, alice: User) -> None:
    client.force_login(alice)  # an account without any role sees its notifications too
    html = page(client)
    assert "You have no notifications yet." in html
    assert "Mark all read" not in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    client: Client, alice: User
) -> None:
    notification = told(alice, "回复", url="/matters/7/")
    client.force_login(alice)
    response = client.get(reverse("notify_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/matters/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    # Opening it again keeps the first reading time
    first_read = notification.read_at
    client.get(reverse("notify_open", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at == first_read


@pytest.mark.parametrize(
    "url", ["", "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_a_notification_without_a_local_link_leads_back_to_the_list(
    client: Client, alice: User, url: str
) -> None:
    notification = told(alice, "回复", url=url)
    client.force_login(alice)
    response = client.get(reverse("notify_open", args=[notification.pk]))
    assert response["Location"] == reverse("notify_list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_local_paths() -> None:
    assert is_local_path("/votes/3/")
    assert not is_local_path("votes/3/")
    assert not is_local_path("//evil.example/")


def test_another_accounts_notification_is_not_found_and_stays_unread(
    client: Client, alice: User, bob: User
) -> None:
    notification = told(bob, "张强的通知", url="/matters/1/")
    client.force_login(alice)
    assert client.get(reverse("notify_open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_mine(client: Client, alice: User, bob: User) -> None:
    told(alice, "一")
    told(alice, "二")
    theirs = told(bob, "三")
    client.force_login(alice)
    response = client.post(reverse("notify_read_all"), follow=True)
    assert response.redirect_chain == [(reverse("notify_list"), 302)]
    html = response.content.decode()
    assert "All notifications are marked read." in html
    assert "0 unread notifications" in html
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_needs_a_post(client: Client, alice: User) -> None:
    told(alice, "一")
    client.force_login(alice)
    assert client.get(reverse("notify_read_all")).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [("get", "notify_list", []), ("get", "notify_open", [1]), ("post", "notify_read_all", [])],
)
def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, db: None, method: str, name: str, args: list[int]
) -> None:
    url = reverse(name, args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_unread_count_takes_one_query(alice: User, bob: User) -> None:
    told(alice, "一")
    told(alice, "二", read=True)
    told(alice, "三")
    told(bob, "四")
    request = RequestFactory().get("/")
    request.user = alice
    with CaptureQueriesContext(connection) as captured:
        assert unread(request) == {"unread_notifications": 2}
    assert len(captured) == 1


def test_the_unread_count_is_zero_for_anonymous_visitors(db: None) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as captured:
        assert unread(request) == {"unread_notifications": 0}
    assert len(captured) == 0


def test_the_list_page_queries_do_not_grow_with_notifications(
    client: Client, alice: User, bob: User, django_assert_num_queries: Any
) -> None:
    client.force_login(alice)
    told(alice, "一")
    with django_assert_num_queries(7):
        page(client)
    for n in range(20):
        told(alice, f"通知{n}", minutes=n)
        told(bob, f"别人的通知{n}", minutes=n)
    with django_assert_num_queries(7):
        assert "通知19" in page(client)
