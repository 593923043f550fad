from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.forms import GrantRoleForm, PhoneLoginForm
from jifen.accounts.middleware import ACTIVE_GRANT_SESSION_KEY
from jifen.accounts.models import RoleGrant, User
from jifen.accounts.permissions import can_manage_roles_at, can_revoke_grant
from jifen.accounts.services import grant_role, revoke_role
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.places.models import Place


class LoginView(auth_views.LoginView):
    form_class = PhoneLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: dict[str, Any], *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes answers once a phone number has had too many wrong passwords."""
    form = PhoneLoginForm(request)
    return render(request, "accounts/login.html", {"form": form, "locked_out": True}, status=429)


@require_POST
@login_required
def switch_role(request: JifenRequest) -> HttpResponse:
    grant_id = request.POST.get("grant", "")
    grant = next((g for g in request.grants if str(g.pk) == grant_id), None)
    if grant is None:
        messages.error(request, _("That role is not yours."))
        return redirect("home")
    request.session[ACTIVE_GRANT_SESSION_KEY] = grant.pk
    messages.success(request, _("You are now acting as %(role)s.") % {"role": grant})
    return redirect("home")


@login_required
def place_roles(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = get_object_or_404(Place, code=code)
    if not can_manage_roles_at(actor, place):
        raise PermissionDenied
    form = GrantRoleForm(request.POST or None, place=place)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(phone=form.cleaned_data["phone"]).first()
        if user is None:
            form.add_error("phone", _("No account has this phone number."))
        else:
            try:
                grant_role(
                    actor=actor,
                    user=user,
                    role=form.cleaned_data["role"],
                    place=place,
                    grid=form.cleaned_data.get("grid"),
                )
            except (PermissionDenied, ValidationError) as error:
                form.add_error(None, message_of(error))
            else:
                messages.success(request, _("Role granted."))
                return redirect("place_roles", code=place.code)
    grants = RoleGrant.objects.filter(place=place, revoked_at__isnull=True).select_related(
        "user", "grid"
    )
    rows = [(grant, can_revoke_grant(actor, grant)) for grant in grants]
    return render(
        request, "accounts/place_roles.html", {"place": place, "form": form, "rows": rows}
    )


@require_POST
@login_required
def revoke(request: JifenRequest, code: str, grant_id: int) -> HttpResponse:
    actor = actor_of(request)
    grant = get_object_or_404(
        RoleGrant.objects.select_related("place"), pk=grant_id, place__code=code
    )
    revoke_role(actor=actor, grant=grant)
    messages.success(request, _("Role revoked."))
    return redirect("place_roles", code=code)
