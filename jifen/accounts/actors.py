"""Who is acting: the account, the role it is acting in, and where the request came from.

Every service takes an ``Actor`` so that the audit trail can say who did what in which role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jifen.accounts.models import RoleGrant, User
from jifen.places.models import Place


@dataclass(frozen=True)
class Actor:
    user: User
    grant: RoleGrant | None
    ip_address: str | None = None

    @property
    def role(self) -> str:
        return self.grant.role if self.grant else ""

    @property
    def place(self) -> Place | None:
        return self.grant.place if self.grant else None

    def acts_as(self, roles: Iterable[str], over: Place) -> bool:
        """Whether the active role is one of ``roles`` and held at ``over`` or above it."""
        grant = self.grant
        return grant is not None and grant.role in roles and grant.place.contains(over)

    def acts_as_at(self, roles: Iterable[str], place: Place) -> bool:
        """Whether the active role is one of ``roles`` and held exactly at ``place``."""
        grant = self.grant
        return grant is not None and grant.role in roles and grant.place_id == place.pk
