"""Granting and revoking roles."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant, User
from jifen.accounts.permissions import can_grant_role, can_revoke_grant
from jifen.audit.services import record_event, snapshot
from jifen.places.models import Grid, Place

GRANT_FIELDS = ["user", "role", "place", "grid", "revoked_at"]


def grant_role(
    *, actor: Actor | None, user: User, role: str, place: Place, grid: Grid | None = None
) -> RoleGrant:
    """Give ``user`` a role at ``place``. ``actor=None`` is the system (demo, setup commands)."""
    if actor is not None and not can_grant_role(actor, role, place):
        raise PermissionDenied(_("You may not grant this role here."))
    if grid is not None and (role != Role.GRID_MEMBER or grid.village_id != place.pk):
        raise ValidationError(_("A grid can only be given to a grid member of its own village."))
    already = _("%(name)s already holds this role here.") % {"name": user.name}
    if RoleGrant.objects.filter(
        user=user, role=role, place=place, revoked_at__isnull=True
    ).exists():
        raise ValidationError(already)
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(
                user=user,
                role=role,
                place=place,
                grid=grid,
                granted_by=actor.user if actor else None,
            )
            record_event(
                actor=actor,
                action="role.grant",
                obj=grant,
                village=place if place.is_village else None,
                after=snapshot(grant, GRANT_FIELDS),
            )
    except IntegrityError as error:
        # Two cadres granting the same role at the same moment: the constraint decides.
        raise ValidationError(already) from error
    return grant


def revoke_role(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    if not can_revoke_grant(actor, grant):
        raise PermissionDenied(_("You may not revoke this role."))
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            return grant
        before = snapshot(grant, GRANT_FIELDS)
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        record_event(
            actor=actor,
            action="role.revoke",
            obj=grant,
            village=grant.place if grant.place.is_village else None,
            before=before,
            after=snapshot(grant, GRANT_FIELDS),
        )
    return grant
