"""Granting, revoking and switching roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant
from jifen.accounts.services import grant_role, revoke_role
from jifen.audit.models import AuditEvent
from tests import factories
from tests.conftest import World, log_in


def actor(world: World, person: str) -> Actor:
    user = world.people[person]
    return Actor(user=user, grant=RoleGrant.objects.get(user=user))


@pytest.mark.parametrize(
    ("person", "role", "place", "allowed"),
    [
        ("secretary", Role.VILLAGER, "village", True),
        ("secretary", Role.GRID_MEMBER, "village", True),
        ("secretary", Role.SECRETARY, "village", False),
        ("secretary", Role.SUPERVISOR, "village", False),
        ("secretary", Role.VILLAGER, "neighbour_village", False),
        ("secretary", Role.TOWNSHIP_OFFICER, "township", False),
        ("township_admin", Role.SECRETARY, "village", True),
        ("township_admin", Role.SUPERVISOR, "neighbour_village", True),
        ("township_admin", Role.TOWNSHIP_OFFICER, "township", True),
        ("township_admin", Role.TOWNSHIP_ADMIN, "township", False),
        ("township_admin", Role.SECRETARY, "far_village", False),
        ("township_admin", Role.COUNTY_ADMIN, "county", False),
        ("county_admin", Role.TOWNSHIP_ADMIN, "other_township", True),
        ("county_admin", Role.BANK_OFFICER, "county", True),
        ("county_admin", Role.VILLAGER, "far_village", True),
        ("county_admin", Role.VILLAGER, "township", False),
        ("township_officer", Role.VILLAGER, "village", False),
        ("supervisor", Role.VILLAGER, "village", False),
    ],
)
def test_grants_go_at_or_below_the_granter(
    world: World, person: str, role: str, place: str, allowed: bool
) -> None:
    newcomer = factories.account("新人", Role.REPRESENTATIVE, world.far_village)
    grants = RoleGrant.objects.count()
    if allowed:
        grant = grant_role(
            actor=actor(world, person), user=newcomer, role=role, place=getattr(world, place)
        )
        assert (grant.role, grant.granted_by) == (role, world.people[person])
        assert AuditEvent.objects.filter(action="role.grant", object_id=str(grant.pk)).exists()
    else:
        with pytest.raises(PermissionDenied):
            grant_role(
                actor=actor(world, person), user=newcomer, role=role, place=getattr(world, place)
            )
        assert RoleGrant.objects.count() == grants


def test_a_revoked_role_no_longer_acts(client: Client, world: World) -> None:
    grid_member = world.people["grid_member"]
    grant = RoleGrant.objects.get(user=grid_member)
    revoke_role(actor=actor(world, "secretary"), grant=grant)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    # The grant is kept, for the record, but no longer counts
    client.force_login(grid_member)
    assert client.get(reverse("registry", args=[world.village.code])).status_code == 403


def test_a_cadre_cannot_revoke_their_own_post(world: World) -> None:
    own = RoleGrant.objects.get(user=world.people["secretary"])
    with pytest.raises(PermissionDenied):
        revoke_role(actor=actor(world, "secretary"), grant=own)


def test_an_account_switches_between_its_roles(client: Client, world: World) -> None:
    secretary = world.people["secretary"]
    factories.grant(secretary, Role.VILLAGER, world.village)
    log_in(client, secretary, Role.SECRETARY)
    assert client.get(reverse("home"))["Location"] == reverse("registry", args=[world.village.code])
    villager_grant = RoleGrant.objects.get(user=secretary, role=Role.VILLAGER)
    client.post(reverse("switch_role"), {"grant": villager_grant.pk})
    assert client.get(reverse("home"))["Location"] == reverse("my_household")
    # Acting as a villager, the registry is closed even to the secretary
    assert client.get(reverse("registry", args=[world.village.code])).status_code == 403


def test_nobody_switches_into_someone_elses_role(client: Client, world: World) -> None:
    log_in(client, world.people["villager"])
    county_grant = RoleGrant.objects.get(user=world.people["county_admin"])
    client.post(reverse("switch_role"), {"grant": county_grant.pk})
    assert client.get(reverse("county", args=[world.county.code])).status_code == 403


def test_the_role_page_grants_by_phone_number(client: Client, world: World) -> None:
    newcomer = factories.account("新人", Role.VILLAGER, world.far_village)
    log_in(client, world.people["secretary"])
    url = reverse("place_roles", args=[world.village.code])
    response = client.post(url, {"phone": newcomer.phone, "role": Role.REPRESENTATIVE})
    assert response.status_code == 302
    assert RoleGrant.objects.filter(
        user=newcomer, role=Role.REPRESENTATIVE, place=world.village
    ).exists()
    # Twice is refused with a clear message and changes nothing
    count = RoleGrant.objects.count()
    again = client.post(url, {"phone": newcomer.phone, "role": Role.REPRESENTATIVE})
    assert "新人" in again.content.decode()
    assert RoleGrant.objects.count() == count
    unknown = client.post(url, {"phone": "13000000000", "role": Role.VILLAGER})
    assert unknown.status_code == 200 and RoleGrant.objects.count() == count
