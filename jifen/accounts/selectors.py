from __future__ import annotations

from jifen.accounts.models import RoleGrant, User


def active_grants(user: User) -> list[RoleGrant]:
    return list(
        RoleGrant.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("place", "grid")
        .order_by("id")
    )
