"""Notifications: in the app, and by SMS through an outbox that a pluggable backend sends."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one account, shown in the app."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("A reply to your matter")
        VOTE_OPEN = "vote_open", _("A vote has opened")
        VOTE_CLOSING = "vote_closing", _("A vote closes within a day")
        TASK_DONE = "task_done", _("A task is done: please rate it")
        RESULT = "result", _("A result")
        COMMENT_HIDDEN = "comment_hidden", _("Your comment was hidden")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]
        indexes = [
            # notifications_of(user): an account's notifications, newest first
            models.Index(fields=["user", "-created_at"], name="notification_user_at"),
            # unread_count(user), on every page: the unread ones only
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class SmsMessage(models.Model):
    """One text message in the outbox: written with the change it reports, sent after commit.

    ``key`` identifies the message to the gateway (its id and its ``Idempotency-Key``), so that
    sending it again after an ambiguous failure cannot deliver it twice. A sent message never
    goes back to pending. See jifen/notify/services.py for how messages are claimed and retried.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms_messages",
    )
    phone = models.CharField(max_length=20)
    text = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Tries so far, counted when a try starts (so a crash mid-send still counts).
    attempts = models.PositiveIntegerField(default=0)
    # When a pending message may next be tried: its creation, a lease while it is being sent,
    # or a retry after a failure.
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # deliver_due: pending messages whose time has come, earliest first
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="sms_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="pending", sent_at__isnull=True))
                | Q(status="sent", sent_at__isnull=False),
                name="sms_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text}"
