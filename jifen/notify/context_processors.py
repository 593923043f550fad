"""``unread_notifications``: how many notifications the signed-in account has not read yet."""

from __future__ import annotations

from django.http import HttpRequest

from jifen.accounts.models import User
from jifen.notify.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user)}
