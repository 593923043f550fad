"""Forms of the supermarket pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.market.models import Good
from jifen.places.models import Place
from jifen.records.forms import IdempotentForm

NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
# What a door-plate QR code holds is https://host/h/<token>/; a keeper may also type the token.
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,32}")
PLATE_URL = re.compile(r"/h/([A-Za-z0-9_-]{8,32})/?(?:[?#].*)?$")
MAX_QUANTITY = 999


def token_of(text: str) -> str | None:
    """The door-plate token in what was scanned, pasted or typed, if there is one."""
    text = text.strip()
    if TOKEN.fullmatch(text):
        return text
    found = PLATE_URL.search(text)
    return found.group(1) if found else None


class StoreForm(IdempotentForm):
    name = forms.CharField(label=_("Name of the store"), max_length=60)
    villages = forms.ModelMultipleChoiceField(
        label=_("Villages it serves (its own village always)"),
        queryset=Place.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pickup_days = forms.IntegerField(
        label=_("Days an online order waits for pickup (1 to 60)"),
        min_value=1,
        max_value=60,
        initial=7,
        widget=forms.TextInput(attrs=NUMERIC),
    )

    def __init__(self, *args: Any, neighbours: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        villages = self.fields["villages"]
        assert isinstance(villages, forms.ModelMultipleChoiceField)
        villages.queryset = neighbours


class GoodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    category = forms.ChoiceField(label=_("Category"), choices=Good.Category.choices)
    price = forms.IntegerField(
        label=_("Price (points, a whole number from 1)"),
        min_value=1,
        max_value=100_000,
        widget=forms.TextInput(attrs=NUMERIC),
    )
    low_stock_at = forms.IntegerField(
        label=_("Warn when the stock falls to"),
        min_value=0,
        max_value=100_000,
        initial=5,
        widget=forms.TextInput(attrs=NUMERIC),
    )
    on_sale = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def values(self) -> dict[str, Any]:
        """What ``save_good`` takes: a new photo, "" to remove it, or nothing to keep it."""
        data = dict(self.cleaned_data)
        photo = data.pop("photo")
        if photo is False:  # "clear" was ticked
            data["photo"] = ""
        elif photo:
            data["photo"] = photo
        return data


class StockInForm(IdempotentForm):
    good = forms.ModelChoiceField(label=_("Good"), queryset=Good.objects.none())
    quantity = forms.IntegerField(
        label=_("How many arrived"),
        min_value=1,
        max_value=100_000,
        widget=forms.TextInput(attrs=NUMERIC),
    )
    note = forms.CharField(
        label=_("Note (supplier, donor, invoice; optional)"), max_length=200, required=False
    )

    def __init__(self, *args: Any, goods: QuerySet[Good], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        good = self.fields["good"]
        assert isinstance(good, forms.ModelChoiceField)
        good.queryset = goods


class FindHouseholdForm(forms.Form):
    plate = forms.CharField(
        label=_("Door-plate code or the address the QR code opens"), max_length=300
    )

    def clean_plate(self) -> str:
        token = token_of(self.cleaned_data["plate"])
        if token is None:
            raise forms.ValidationError(
                _("This is not a door-plate code. Scan the QR code again or search below.")
            )
        return token


class BasketForm(IdempotentForm):
    """A quantity field per good on sale, named ``qty-<pk>``, each 0 to 999."""

    def __init__(self, *args: Any, goods: Iterable[Good], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goods = list(goods)
        for good in self.goods:
            field = self.fields[f"qty-{good.pk}"] = forms.IntegerField(
                label=_("How many: %(good)s") % {"good": good.name},
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "inputmode": "numeric",
                        "data-price": good.price,
                        "class": "quantity",
                    }
                ),
                # Nothing to take from an empty shelf; the service checks again under lock.
                disabled=good.stock == 0,
            )
            # The phone's stepper stops at what is on the shelf.
            field.widget.attrs["max"] = min(good.stock, MAX_QUANTITY)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f"qty-{good.pk}") for good in self.goods):
            raise forms.ValidationError(_("Pick at least one good."))
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {
            good.pk: quantity
            for good in self.goods
            if (quantity := self.cleaned_data.get(f"qty-{good.pk}"))
        }

    def shelves(self) -> list[tuple[str, list[tuple[Good, forms.BoundField]]]]:
        """The goods with their quantity fields, by category in the order of the categories."""
        labels = dict(Good.Category.choices)
        rows: dict[str, list[tuple[Good, forms.BoundField]]] = {}
        for good in self.goods:
            rows.setdefault(good.category, []).append((good, self[f"qty-{good.pk}"]))
        return [
            (str(labels[category]), rows[category])
            for category in Good.Category.values
            if category in rows
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
