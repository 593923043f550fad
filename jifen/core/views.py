from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jifen.accounts.models import HOUSEHOLD_ROLES, Role
from jifen.core.context_processors import TEXT_SIZE_COOKIE
from jifen.core.http import JifenRequest
from jifen.places.models import Place

ONE_YEAR = 60 * 60 * 24 * 365


def healthz(request: HttpRequest) -> HttpResponse:
    """For a load balancer's health check: the process answers. Also the benchmarks' baseline,
    the least a request through the whole middleware stack can cost."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request: JifenRequest) -> HttpResponse:
    """Send each role to the page it works from."""
    actor = request.actor
    if actor is None or actor.grant is None:
        return render(request, "core/no_role.html")
    place = actor.grant.place
    if actor.role in HOUSEHOLD_ROLES:
        return redirect("my_household")
    if actor.role == Role.BANK_OFFICER:
        return redirect("loans_bank_home")
    if place.kind == Place.Kind.COUNTY and actor.role == Role.COUNTY_ADMIN:
        return redirect("county", code=place.code)
    if place.kind == Place.Kind.TOWNSHIP:
        return redirect("township", code=place.code)
    if place.is_village and actor.role == Role.STORE_KEEPER:
        return redirect("market_stores", code=place.code)
    if place.is_village:
        return redirect("registry", code=place.code)
    return render(request, "core/role_home.html", {"place": place})


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch large text on or off; remembered in a cookie for a year, signed in or not."""
    response = HttpResponseRedirect(safe_next(request, reverse("home")))
    size = "large" if request.POST.get("size") == "large" else "normal"
    response.set_cookie(
        TEXT_SIZE_COOKIE,
        size,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
