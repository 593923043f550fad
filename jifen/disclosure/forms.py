"""Forms of the disclosure pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.disclosure.lines import MAX_ATTACHMENT_BYTES
from jifen.disclosure.models import Cadence, Item, Kind
from jifen.records.forms import IdempotentForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScheduleForm(forms.Form):
    cadence = forms.ChoiceField(label=_("How often"), choices=Cadence.choices)
    due_day = forms.IntegerField(
        label=_("Due by this day of the month after the period"), min_value=1, max_value=28
    )


class AdHocForm(IdempotentForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(label=_("The major item"), max_length=80)
    due_in_days = forms.IntegerField(
        label=_("Publish within (days)"), min_value=0, max_value=7, initial=3
    )


class StartForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    opening = forms.CharField(
        label=_("Opening balance in yuan (only for the first statement)"),
        max_length=20,
        required=False,
    )


class ItemForm(IdempotentForm):
    """A line: the services check which fields a kind needs and parse the amount."""

    title = forms.CharField(label=_("Item"), max_length=120)
    occurred_on = forms.DateField(label=_("Date"), required=False, widget=DATE_WIDGET)
    direction = forms.ChoiceField(
        label=_("Income or expense"),
        choices=[("", "—"), *Item.Direction.choices],
        required=False,
    )
    amount = forms.CharField(
        label=_("Amount in yuan (for example 1234.50)"), max_length=20, required=False
    )
    voucher = forms.CharField(label=_("Voucher number"), max_length=30, required=False)
    text = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(
        label=_("Attachment: photo or PDF, up to 5 MB (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args: Any, finance: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not finance:
            for name in ["occurred_on", "direction", "amount", "voucher"]:
                del self.fields[name]

    def clean_attachment(self) -> object:
        upload = self.cleaned_data.get("attachment")
        if upload and getattr(upload, "size", 0) > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("The attachment is larger than 5 MB."))
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuestionForm(IdempotentForm):
    text = forms.CharField(
        label=_("Your question about this item"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
