from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import User


def acting(user: User) -> Actor:
    """The actor of ``user`` in their only role."""
    return Actor(user=user, grant=user.grants.select_related("place").get())
