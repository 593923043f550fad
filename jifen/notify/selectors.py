"""Reads of notifications: one query each."""

from __future__ import annotations

from django.db.models import QuerySet

from jifen.accounts.models import User
from jifen.notify.models import Notification


def notifications_of(user: User) -> QuerySet[Notification]:
    """An account's notifications, newest first (paginate it)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
