from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.core.idempotency import new_key
from jifen.places.models import Household, Resident
from jifen.records.photos import MAX_PHOTOS
from jifen.rules.models import Item


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most 3 photos."))
        return [super(PhotosField, self).clean(file, initial) for file in files]


class IdempotentForm(forms.Form):
    """Carries a key made when the form was drawn: a double tap or a retry sends the same key."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = new_key()


class DeedForm(IdempotentForm):
    item = forms.ModelChoiceField(label=_("Deed"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("How many times"), min_value=1, max_value=100, initial=1)
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    person = forms.ModelChoiceField(
        label=_("Which member (for items that score a person)"),
        queryset=Resident.objects.none(),
        required=False,
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos (up to 3)"), required=False)

    def __init__(
        self, *args: Any, items: QuerySet[Item], household: Household | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.ModelChoiceField)
        item_field.queryset = items
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ModelChoiceField)
        if household is not None:
            person_field.queryset = household.residents.all()
        self.initial.setdefault("occurred_on", timezone.localdate())


class RecordForHouseholdForm(DeedForm):
    on_behalf = forms.BooleanField(
        label=_("Entered on the household's behalf (they have no phone)"), required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason (required to reject)"), max_length=200, required=False)
    records = forms.CharField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class CorrectionForm(IdempotentForm, ReasonForm):
    pass


class ReportForm(IdempotentForm):
    item = forms.ModelChoiceField(label=_("What kind of deed"), queryset=Item.objects.none())
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    description = forms.CharField(
        label=_("What happened"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, items: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.ModelChoiceField)
        item_field.queryset = items
        self.initial.setdefault("occurred_on", timezone.localdate())
