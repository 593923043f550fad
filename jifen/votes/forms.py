"""Forms of the vote pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Resident
from jifen.records.forms import IdempotentForm
from jifen.rules.models import RulebookVersion
from jifen.votes.models import Option, Vote

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = object

MINUTES = "%Y-%m-%dT%H:%M"


def _moment(label: StrOrPromise, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[MINUTES, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MINUTES),
    )


class VoteForm(IdempotentForm):
    title = forms.CharField(label=_("Title"), max_length=80)
    question = forms.CharField(
        label=_("The question put to the vote"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    kind = forms.ChoiceField(
        label=_("Kind of vote"),
        choices=Vote.Kind.choices,
        initial=Vote.Kind.MOTION,
        widget=forms.RadioSelect,
    )
    options = forms.CharField(
        label=_("Options of a choice, one a line (2 to 10)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    body = forms.ChoiceField(
        label=_("Who votes"),
        choices=Vote.Body.choices,
        initial=Vote.Body.HOUSEHOLDS,
        widget=forms.RadioSelect,
    )
    opens_at = _moment(_("Opens (leave empty to open now)"), required=False)
    closes_at = _moment(_("Closes"))
    secret = forms.BooleanField(
        label=_("Secret ballot: record who voted, never what they chose"), required=False
    )
    changes_allowed = forms.BooleanField(
        label=_("Voters may change their vote until the close (not with a secret ballot)"),
        required=False,
    )
    show_running_results = forms.BooleanField(
        label=_("Show the results while the vote is open (not with a secret ballot)"),
        required=False,
    )
    carry_rule_change = forms.BooleanField(required=False)

    def __init__(self, *args: Any, draft: RulebookVersion | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        if draft is None:
            del self.fields["carry_rule_change"]
        else:
            self.fields["carry_rule_change"].label = _(
                "Carry the draft rulebook (version %(number)s): it takes effect if the vote "
                "passes. A motion of the villagers' meeting or a household vote only."
            ) % {"number": draft.number}

    def option_labels(self) -> list[str]:
        text: str = self.cleaned_data["options"]
        return text.splitlines()

    def rule_change(self) -> RulebookVersion | None:
        return self.draft if self.cleaned_data.get("carry_rule_change") else None


class BallotForm(forms.Form):
    option = forms.ModelChoiceField(
        label=_("Your vote"),
        queryset=Option.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, options: QuerySet[Option], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["option"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = options  # each labelled by its name (``Option.__str__``)


class DelegateForm(forms.Form):
    member = forms.ModelChoiceField(
        label=_("Member who may cast the household's vote"),
        queryset=Resident.objects.none(),
        required=False,
        empty_label=_("Nobody else: only I vote for the household"),
    )

    def __init__(self, *args: Any, members: QuerySet[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = members


class MeetingBallotForm(BallotForm):
    elector = forms.IntegerField(widget=forms.HiddenInput)
