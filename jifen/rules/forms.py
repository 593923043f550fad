"""Forms of the rulebook pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.rules.catalogue import CATALOGUES
from jifen.rules.models import Category, Item, RulebookVersion, VillageSettings
from jifen.rules.services import MAX_BUDGET_FEN, MAX_POINT_VALUE_FEN, MAX_STARS

FEN_PER_YUAN = 100


class SignedIntegerInput(forms.TextInput):
    # A number keypad on many phones has no minus sign; deductions need one.
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"pattern": "-?[0-9]+", "autocomplete": "off", **(attrs or {})})


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code (e.g. A01)"), max_length=12)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    points = forms.IntegerField(
        label=_("Points (a minus sign deducts, e.g. -5)"), widget=SignedIntegerInput()
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Item.Unit.choices)
    scope = forms.ChoiceField(label=_("Scores"), choices=Item.Scope.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Item.Kind.choices)
    cap_points = forms.IntegerField(
        label=_("Cap: at most this many points per period (leave empty for no cap)"),
        min_value=1,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )
    cap_period = forms.ChoiceField(
        label=_("Cap period"),
        choices=[("", _("no cap")), *Item.Period.choices],
        required=False,
    )
    evidence_required = forms.BooleanField(label=_("A photo is required"), required=False)
    self_declarable = forms.BooleanField(
        label=_("Villagers may declare it themselves"), required=False
    )
    sensitive = forms.BooleanField(label=_("Sensitive or subjective"), required=False)

    def __init__(self, *args: Any, categories: QuerySet[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = categories


def item_initial(item: Item) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ItemForm.base_fields}


class CategoryForm(forms.Form):
    title = forms.CharField(label=_("Title of the new category"), max_length=60)


class StarBandsForm(forms.Form):
    """One field per star level: the all-time score from which a household holds it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for stars in range(1, MAX_STARS + 1):
            self.fields[f"stars_{stars}"] = forms.IntegerField(
                label=_("%(stars)s★ from this score (leave empty for none)") % {"stars": stars},
                required=False,
                widget=SignedIntegerInput(),
            )

    def bands(self) -> list[tuple[int, int]]:
        return [
            (stars, self.cleaned_data[f"stars_{stars}"])
            for stars in range(1, MAX_STARS + 1)
            if self.cleaned_data.get(f"stars_{stars}") is not None
        ]


def star_bands_initial(bands: list[tuple[int, int]]) -> dict[str, int]:
    return {f"stars_{stars}": min_score for stars, min_score in bands}


class AdoptForm(forms.Form):
    meeting = forms.CharField(
        label=_("Meeting that voted (e.g. villagers' meeting of 12 March)"), max_length=120
    )
    adopted_on = forms.DateField(
        label=_("Date of the vote"), widget=forms.DateInput(attrs={"type": "date"})
    )
    vote_result = forms.CharField(
        label=_("Result of the vote (e.g. 286 of 341 households in favour)"), max_length=120
    )


class CopyTemplateForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=RulebookVersion.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, templates: QuerySet[RulebookVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        template_field.queryset = templates


class FenAsYuanField(forms.DecimalField):
    """An amount typed in yuan with at most two decimals; cleaned to whole fen (an int).

    Its initial value is in fen, as the settings store it; the field shows it in yuan.
    """

    def __init__(self, *, min_fen: int, max_fen: int, **kwargs: Any) -> None:
        super().__init__(
            min_value=Decimal(min_fen) / FEN_PER_YUAN,
            max_value=Decimal(max_fen) / FEN_PER_YUAN,
            max_digits=12,
            decimal_places=2,
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "pattern": r"[0-9]+(\.[0-9]{1,2})?"}
            ),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):  # fen, from the stored settings
            return f"{Decimal(value) / FEN_PER_YUAN:.2f}"
        return super().prepare_value(value)

    def clean(self, value: Any) -> int | None:
        yuan = super().clean(value)
        if yuan is None:
            return None
        # At most two decimals (the field checks): a whole number of fen, exactly.
        return int(yuan * FEN_PER_YUAN)


class VillageSettingsForm(forms.Form):
    notice_days = forms.IntegerField(
        label=_("Public notice window (days, 1 to 15)"),
        min_value=1,
        max_value=15,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )
    score_visibility = forms.ChoiceField(
        label=_("Who sees a household's score and rank"),
        choices=VillageSettings.Visibility.choices,
    )
    separate_cadre_pool = forms.BooleanField(
        label=_("Rank cadre households separately"), required=False
    )
    # The red and black lists (红黑榜). Left out of a post, the saved value stays.
    lists_visibility = forms.TypedChoiceField(
        label=_("Who sees the confirmed red and black lists"),
        choices=VillageSettings.ListsVisibility.choices,
        required=False,
        empty_value=None,
    )
    separate_absent_pool = forms.BooleanField(
        label=_("Rank absent households separately"), required=False
    )
    # The points supermarket (DOMAIN.md §5). An empty choice or amount keeps the saved value.
    redemption_deducts = forms.BooleanField(
        label=_("Redeeming goods deducts spendable points"), required=False
    )
    cadres_may_redeem = forms.BooleanField(
        label=_("Cadre households may redeem points"), required=False
    )
    exchange_schedule = forms.TypedChoiceField(
        label=_("Exchange days"),
        choices=VillageSettings.ExchangeSchedule.choices,
        required=False,
        empty_value=None,
    )
    exchange_window_days = forms.IntegerField(
        label=_("Exchange window: the first how many days of the month or quarter (1 to 31)"),
        min_value=1,
        max_value=31,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )
    spendable_lapses_at_year_end = forms.BooleanField(
        label=_("Unspent points lapse at the end of the year"), required=False
    )
    point_value_fen = FenAsYuanField(
        label=_("Value of a point (yuan, e.g. 1.00)"),
        min_fen=1,
        max_fen=MAX_POINT_VALUE_FEN,
        required=False,
    )
    supermarket_budget_fen = FenAsYuanField(
        label=_("Supermarket budget (yuan)"), min_fen=0, max_fen=MAX_BUDGET_FEN, required=False
    )


class PublishTemplateForm(forms.Form):
    catalogue = forms.ChoiceField(
        label=_("Built-in catalogue"),
        choices=[(key, catalogue.title) for key, catalogue in CATALOGUES.items()],
    )
