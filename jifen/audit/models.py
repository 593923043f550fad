"""The audit trail: one event per change made through the application."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Household, Place


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The role the actor was acting in, as text: grants may later be revoked.
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_label = models.CharField(max_length=120, blank=True)
    village = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The supervisory committee's view of a village, newest first.
            models.Index(fields=["village", "-at"], name="audit_village_at"),
            # A household's history, newest first.
            models.Index(fields=["household", "-at"], name="audit_household_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
