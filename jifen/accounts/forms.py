from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import ROLE_PLACE_KIND, Role
from jifen.places.models import Grid, Place


class PhoneLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Phone number"),
        max_length=11,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "numeric"}
        ),
    )


class GrantRoleForm(forms.Form):
    phone = forms.RegexField(
        label=_("Phone number of the account"),
        regex=r"^1[3-9][0-9]{9}$",
        error_messages={"invalid": _("Enter an 11-digit mobile number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)

    def __init__(self, *args: Any, place: Place, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [
            (role.value, role.label) for role in Role if ROLE_PLACE_KIND[role] == place.kind
        ]
        grid_field = self.fields["grid"]
        if place.is_village and isinstance(grid_field, forms.ModelChoiceField):
            grid_field.queryset = Grid.objects.filter(village=place)
        else:
            del self.fields["grid"]
