from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    """One row per write a form submitted: a double tap or a retry replays, never repeats.

    The key is generated with the form; the fingerprint is a hash of what the request asked
    for, so that the same key sent with a different request is refused.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the first request produced, so that a replay can answer the same.
    result = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key
