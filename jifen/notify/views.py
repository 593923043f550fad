"""An account's own notifications: the list, opening one, marking all read.

Notifications belong to the account, not to a role: any signed-in user sees their own, whatever
role they act in, and nobody else's (another's is a 404, as if it did not exist).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jifen.accounts.models import User
from jifen.notify import selectors, services
from jifen.notify.models import Notification

PAGE_SIZE = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required let us in
    return request.user


def is_local_path(url: str) -> bool:
    """A path on this site ("/…"), never another host ("//host", "/\\host", "https://…")."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


@login_required
@require_GET
def notify_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.notifications_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": selectors.unread_count(user)}
    return render(request, "notify/list.html", context)


@login_required
@require_GET
def notify_open(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notification = get_object_or_404(Notification, pk=pk, user=user)
    services.mark_read(user=user, notification=notification)
    if is_local_path(notification.url):
        return redirect(notification.url)
    return redirect("notify_list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    if services.mark_all_read(user=_user(request)):
        messages.success(request, _("All notifications are marked read."))
    return redirect("notify_list")
