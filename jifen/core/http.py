"""The request as jifen's views see it, and the small helpers every view uses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from jifen.accounts.actors import Actor
from jifen.accounts.models import RoleGrant


class JifenRequest(HttpRequest):
    """Set by ``ActiveRoleMiddleware``: the acting role of a signed-in user, else None."""

    actor: Actor | None
    grants: list[RoleGrant]


def actor_of(request: JifenRequest) -> Actor:
    """The acting role; an account that holds no role may see nothing."""
    if request.actor is None or request.actor.grant is None:
        raise PermissionDenied
    return request.actor
