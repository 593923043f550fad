"""Forms of the campaign and list pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.campaigns.models import Campaign, CampaignItem, Entry
from jifen.places.models import Household
from jifen.records.forms import IdempotentForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(IdempotentForm):
    title = forms.CharField(label=_("Title, e.g. 夏季灭蚊行动"), max_length=60)
    description = forms.CharField(
        label=_("What the campaign asks of households (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    items = forms.CharField(
        label=_("Checklist items, one a line (1 to 10)"),
        max_length=700,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    round_count = forms.IntegerField(
        label=_("Inspection rounds (1 to 6, spread evenly over the campaign)"),
        min_value=1,
        max_value=6,
        initial=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class InspectionForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[("pass", _("Passed")), ("fail", _("Failed"))],
        widget=forms.RadioSelect(attrs={"class": "big-choice"}),
    )
    failed_items = forms.ModelMultipleChoiceField(
        label=_("Items failed"),
        queryset=CampaignItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "big-choice"}),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, items: QuerySet[CampaignItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["failed_items"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = items


class MonthBoardForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class CampaignBoardForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaign"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = campaigns


class HouseholdField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Household) -> str:
        return f"{obj.door_plate} {obj.head.name}" if obj.head else obj.door_plate


class AddEntryForm(forms.Form):
    household = HouseholdField(label=_("Household"), queryset=Household.objects.none())
    colour = forms.ChoiceField(label=_("List"), choices=Entry.Colour.choices)
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args: Any, households: QuerySet[Household], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        assert isinstance(field, HouseholdField)
        field.queryset = households


class EntryForm(forms.Form):
    reason = forms.CharField(label=_("Why (shown on the list as written)"), max_length=300)
    remedy = forms.CharField(label=_("What must be put right"), max_length=300, required=False)
    remedy_by = forms.DateField(label=_("Put right by"), required=False, widget=DATE)
    expires_on = forms.DateField(
        label=_("Expires after (empty: 30 days after the date above)"),
        required=False,
        widget=DATE,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why the entry is withdrawn"), max_length=300)
