"""Forms of the loan pages. They parse input; the services decide what is allowed.

Rates and discounts are read as exact decimals from the text typed, never through a float:
"4.35" is Decimal("4.35"), and "4.355" for a rate is refused rather than rounded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import User
from jifen.loans.models import Bank, LoanPolicy
from jifen.loans.services import MAX_AMOUNT_YUAN
from jifen.places.models import Place
from jifen.rules.services import MAX_STARS

# Door-plate tokens are URL-safe base64 (see places.models.new_public_token).
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
DOOR_PLATE_PATH = re.compile(r"/h/([^/?#\s]+)")
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def numeric_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", **attrs})


def decimal_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


def parse_decimal(text: str, places: int) -> Decimal | None:
    """A plain decimal like 4.35 with at most ``places`` decimals, else None.

    No signs, exponents, NaN, thousands separators or anything a float would accept; a
    trailing percent sign is allowed, since people type one.
    """
    text = text.strip().removesuffix("%").strip()
    if not NUMBER.match(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    if value >= 100 or value != round(value, places):
        return None
    return value


class PercentField(forms.Field):
    """A rate or a number of percentage points below 100, as an exact ``Decimal``."""

    def __init__(self, *, places: int = 2, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault("widget", decimal_input())
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        text = str(value)
        parsed = parse_decimal(text, self.places) if len(text) <= 20 else None
        if parsed is None:
            raise forms.ValidationError(
                _("Enter a number below 100 with at most %(places)s decimals, for example 4.35.")
                % {"places": self.places},
                code="invalid",
            )
        return parsed


# The household


class ConsentForm(forms.Form):
    bank = forms.ModelChoiceField(label=_("Bank"), queryset=Bank.objects.none(), empty_label=None)
    days = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        choices=[
            (30, _("30 days")),
            (90, _("90 days")),
            (180, _("180 days")),
            (365, _("one year")),
        ],
        initial=90,
    )

    def __init__(self, *args: Any, banks: QuerySet[Bank], **kwargs: Any) -> None:
        # Both household forms are on one page: their ids must differ.
        kwargs.setdefault("auto_id", "consent-%s")
        super().__init__(*args, **kwargs)
        bank_field = self.fields["bank"]
        assert isinstance(bank_field, forms.ModelChoiceField)
        bank_field.queryset = banks


class ApplicationForm(forms.Form):
    bank = forms.ModelChoiceField(label=_("Bank"), queryset=Bank.objects.none(), empty_label=None)
    amount_yuan = forms.IntegerField(
        label=_("Amount to borrow (yuan)"),
        min_value=1,
        max_value=MAX_AMOUNT_YUAN,
        widget=numeric_input(),
    )
    purpose = forms.CharField(
        label=_("What the loan is for"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, banks: QuerySet[Bank], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "application-%s")
        super().__init__(*args, **kwargs)
        bank_field = self.fields["bank"]
        assert isinstance(bank_field, forms.ModelChoiceField)
        bank_field.queryset = banks


# The bank officer


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("Door-plate code, or the address the door plate's QR code opens"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off"}),
    )

    def clean_q(self) -> str:
        """The token, from a bare token or from a pasted door-plate address (…/h/<token>/)."""
        text: str = self.cleaned_data["q"].strip()
        found = DOOR_PLATE_PATH.search(text)
        token = found.group(1) if found else text
        if not TOKEN.match(token):
            raise forms.ValidationError(
                _("This is not a door-plate code. Paste the address the QR code opens.")
            )
        return token


class ApproveForm(forms.Form):
    amount_yuan = forms.IntegerField(
        label=_("Amount approved (yuan)"),
        min_value=1,
        max_value=MAX_AMOUNT_YUAN,
        widget=numeric_input(),
    )
    rate = PercentField(label=_("Annual rate (%), for example 4.35"))


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the application is declined"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The county admin


class BankForm(forms.Form):
    name = forms.CharField(label=_("Full name of the bank"), max_length=80)
    short_name = forms.CharField(label=_("Short name"), max_length=20)


class OfficerForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Account"), queryset=User.objects.none())

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = candidates


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name of the key (the system that will use it)"), max_length=60)


class AreaField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A place with its kind: a township and a village may share a name."""

    def label_from_instance(self, obj: Place) -> str:
        return f"{obj.get_kind_display()} · {obj.name}"


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, initial="积分贷")
    area = AreaField(
        label=_("Households of (county, township or village)"), queryset=Place.objects.none()
    )
    base_rate = PercentField(label=_("Base rate (% a year), for example 4.35"))
    discount_per_100 = PercentField(
        places=3, label=_("Discount per 100 points (percentage points), for example 0.1")
    )
    mode = forms.ChoiceField(
        label=_("Discount applied"),
        choices=LoanPolicy.Mode.choices,
        widget=forms.RadioSelect,
        initial=LoanPolicy.Mode.PROPORTIONAL,
    )
    max_discount = PercentField(label=_("Largest discount (percentage points)"))
    min_stars = forms.IntegerField(
        label=_("Lowest star level that gets the discount and a credit line"),
        min_value=0,
        max_value=MAX_STARS,
        initial=1,
        widget=numeric_input(),
    )
    valid_from = forms.DateField(
        label=_("Applies from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_until = forms.DateField(
        label=_("Applies until (leave empty for no end)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, areas: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ModelChoiceField)
        area_field.queryset = areas
        for stars in range(1, MAX_STARS + 1):
            self.fields[f"credit_{stars}"] = forms.IntegerField(
                label=_("Credit line at %(stars)s★ (yuan; leave empty for none)")
                % {"stars": stars},
                required=False,
                min_value=1,
                max_value=MAX_AMOUNT_YUAN,
                widget=numeric_input(),
            )

    def credit_lines(self) -> dict[int, int]:
        return {
            stars: self.cleaned_data[f"credit_{stars}"]
            for stars in range(1, MAX_STARS + 1)
            if self.cleaned_data.get(f"credit_{stars}") is not None
        }

    def policy_fields(self) -> dict[str, Any]:
        """The cleaned values, as ``services.create_policy`` takes them."""
        names = [
            "name",
            "area",
            "base_rate",
            "discount_per_100",
            "mode",
            "max_discount",
            "min_stars",
            "valid_from",
            "valid_until",
        ]
        return {name: self.cleaned_data[name] for name in names} | {
            "credit_lines": self.credit_lines()
        }


def policy_initial(policy: LoanPolicy) -> dict[str, Any]:
    """A new version starts from the one before it."""
    initial: dict[str, Any] = {
        "name": policy.name,
        "area": policy.area_id,
        "base_rate": str(policy.base_rate),
        "discount_per_100": f"{policy.discount_per_100.normalize():f}",
        "mode": policy.mode,
        "max_discount": str(policy.max_discount),
        "min_stars": policy.min_stars,
        "valid_from": policy.valid_from,
        "valid_until": policy.valid_until,
    }
    for line in policy.credit_lines.all():
        initial[f"credit_{line.stars}"] = line.limit_yuan
    return initial
