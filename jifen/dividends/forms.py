"""Forms of the dividend pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.records.forms import IdempotentForm


class RoundForm(IdempotentForm):
    title = forms.CharField(label=_("Title (e.g. 2025 dividend)"), max_length=80)
    pool_yuan = forms.DecimalField(
        label=_("Pool in yuan (e.g. 36000 or 36000.50)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    decision = forms.CharField(
        label=_(
            "Decision the pool comes from: the meeting, its date and what it decided "
            "(e.g. villagers' representatives' meeting of 10 January: 30 per cent of net "
            "collective income)"
        ),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decided_on = forms.DateField(
        label=_("Date of the decision"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_start = forms.DateField(
        label=_("Points earned from (first day)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Points earned until (last day, before today)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    min_score = forms.IntegerField(
        label=_("Minimum score in the period to share (0 for none)"),
        min_value=0,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the notice withdrawn?"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
