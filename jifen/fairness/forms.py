"""The review form of a fairness flag. It parses input; the service decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.fairness.services import NOTE_MAX_LENGTH


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("What you found when you looked into it"),
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what you found when you looked into it.")},
    )
