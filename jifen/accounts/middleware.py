"""Attach the acting role to each request as ``request.actor``."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse

from jifen.accounts.actors import Actor
from jifen.accounts.selectors import active_grants
from jifen.core.http import JifenRequest

ACTIVE_GRANT_SESSION_KEY = "jifen_active_grant"


class ActiveRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        jifen_request = cast(JifenRequest, request)
        jifen_request.actor = None
        jifen_request.grants = []
        if request.user.is_authenticated:
            grants = active_grants(request.user)
            wanted = request.session.get(ACTIVE_GRANT_SESSION_KEY)
            grant = next((g for g in grants if g.pk == wanted), grants[0] if grants else None)
            jifen_request.grants = grants
            jifen_request.actor = Actor(
                user=request.user,
                grant=grant,
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
        return self.get_response(request)
