"""Forms of the Talk pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from jifen.accounts.models import User
from jifen.records.forms import IdempotentForm, MultipleFileInput
from jifen.talk.models import Matter
from jifen.talk.services import MAX_PHOTOS


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most 6 photos."))
        return [super(PhotosField, self).clean(file, initial) for file in files]


class MatterForm(IdempotentForm):
    title = forms.CharField(label=_("Title (a few words)"), max_length=80)
    category = forms.ChoiceField(
        label=_("What kind of matter"),
        # Questions about a disclosure are raised from the disclosure's item, linked to it.
        choices=[c for c in Matter.Category.choices if c[0] != Matter.Category.QUESTION],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("What it is about: where, what, since when"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = PhotosField(label=_("Photos (up to 6, optional)"), required=False)


class CommentForm(IdempotentForm):
    text = forms.CharField(
        label=_("Your comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it (optional)"), max_length=200, required=False
    )


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Why it is hidden (shown to everyone)"), max_length=200)


class TaskForm(forms.Form):
    text = forms.CharField(
        label=_("What is to be done"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignees = forms.ModelMultipleChoiceField(
        label=_("Cadres in charge"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    due_on = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, cadres: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignees = self.fields["assignees"]
        assert isinstance(assignees, forms.ModelMultipleChoiceField)
        assignees.queryset = User.objects.filter(pk__in=[user.pk for user in cadres]).order_by(
            "name", "pk"
        )
        self.initial.setdefault("due_on", timezone.localdate() + timedelta(days=14))


class ProgressForm(IdempotentForm):
    text = forms.CharField(
        label=_("What was done"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos (up to 6, optional)"), required=False)


STARS = [(n, ngettext_lazy("%(n)d star", "%(n)d stars", n) % {"n": n}) for n in range(1, 6)]


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Stars, from 1 (poor) to 5 (very good)"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("A word about the work"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class FilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[("", _("All stages")), *Matter.Stage.choices],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *Matter.Category.choices],
        required=False,
    )
