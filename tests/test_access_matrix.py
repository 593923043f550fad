"""Every role against every page and action of the registry, as a table: allowed or refused.

A refused request answers 403 or 404 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from jifen.accounts.models import Role, RoleGrant
from jifen.audit.models import AuditEvent
from jifen.places.models import Household, Resident, RosterUpload
from jifen.places.roster import ROSTER_HEADERS
from tests import factories
from tests.conftest import World, log_in

ROLES = [
    "household_head",
    "villager",
    "grid_member",
    "secretary",
    "committee_member",
    "supervisor",
    "representative",
    "store_keeper",
    "township_officer",
    "township_admin",
    "county_admin",
    "bank_officer",
]

REGISTRY_READERS = {
    "grid_member",
    "secretary",
    "committee_member",
    "supervisor",
    "township_officer",
    "township_admin",
    "county_admin",
}
CADRES = {"secretary", "committee_member"}
ROLE_MANAGERS = CADRES | {"township_admin", "county_admin"}

# action -> the roles allowed to do it. Everyone else is refused.
ALLOWED: dict[str, set[str]] = {
    "view registry": REGISTRY_READERS,
    "search registry (htmx)": REGISTRY_READERS,
    "view household": REGISTRY_READERS | {"household_head", "villager"},
    "view my household": {"household_head", "villager"},
    "view household history": CADRES | {"supervisor"},
    "view village audit trail": {"supervisor"},
    "open roster import": CADRES,
    "upload roster": CADRES,
    "import checked roster": CADRES,
    "export roster": CADRES,
    "rotate door-plate token": CADRES,
    "view township": {"township_officer", "township_admin", "county_admin"},
    "view county": {"county_admin"},
    "view village roles": ROLE_MANAGERS,
    "grant villager role": ROLE_MANAGERS,
    "revoke villager role": ROLE_MANAGERS,
    "view township roles": {"township_admin", "county_admin"},
    "grant township officer role": {"township_admin", "county_admin"},
}


def roster_file(world: World) -> bytes:
    """A one-household roster for 桂花村 that changes nothing but adds 1-99."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(ROSTER_HEADERS))
    sheet.append(
        [
            "第一组",
            "1-99",
            "钱多多",
            "钱多多",
            "户主",
            "男",
            factories.id_number(),
            "",
            "",
            "否",
            "是",
        ]
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


Request = Callable[[], HttpResponseBase]


def get(name: str, *places: str) -> Callable[[Client, World], Request]:
    """A GET of a page whose URL takes the codes of the named places of the world."""

    def prepare(client: Client, world: World) -> Request:
        return lambda: client.get(reverse(name, args=[getattr(world, p).code for p in places]))

    return prepare


def household_page(name: str) -> Callable[[Client, World], Request]:
    def prepare(client: Client, world: World) -> Request:
        return lambda: client.get(reverse(name, args=[world.village.code, world.home.pk]))

    return prepare


def post_roster(client: Client, world: World) -> HttpResponseBase:
    data = BytesIO(roster_file(world))
    data.name = "roster.xlsx"
    return client.post(reverse("roster_import", args=[world.village.code]), {"file": data})


def upload(client: Client, world: World) -> Request:
    return lambda: post_roster(client, world)


def confirm(client: Client, world: World) -> Request:
    secretary = log_in(Client(), world.people["secretary"])
    post_roster(secretary, world)
    checked = RosterUpload.objects.get(status=RosterUpload.Status.CHECKED)
    return lambda: client.post(reverse("roster_upload", args=[world.village.code, checked.pk]))


def rotate(client: Client, world: World) -> Request:
    return lambda: client.post(reverse("rotate_token", args=[world.village.code, world.home.pk]))


def revoke(client: Client, world: World) -> Request:
    user = factories.account("新村民", Role.REPRESENTATIVE, world.neighbour_village)
    grant = factories.grant(user, Role.VILLAGER, world.village)
    return lambda: client.post(reverse("revoke_role", args=[world.village.code, grant.pk]))


def grant_villager(client: Client, world: World) -> Request:
    user = factories.account("新村民", Role.REPRESENTATIVE, world.neighbour_village)
    return lambda: client.post(
        reverse("place_roles", args=[world.village.code]),
        {"phone": user.phone, "role": Role.VILLAGER},
    )


def grant_officer(client: Client, world: World) -> Request:
    user = factories.account("新干部", Role.REPRESENTATIVE, world.neighbour_village)
    return lambda: client.post(
        reverse("place_roles", args=[world.township.code]),
        {"phone": user.phone, "role": Role.TOWNSHIP_OFFICER},
    )


def search(client: Client, world: World) -> Request:
    url = reverse("registry", args=[world.village.code])
    return lambda: client.get(url, {"q": "王"}, headers={"HX-Request": "true"})


ACTIONS: dict[str, Callable[[Client, World], Request]] = {
    "view registry": get("registry", "village"),
    "search registry (htmx)": search,
    "view household": household_page("household"),
    "view my household": get("my_household"),
    "view household history": household_page("household_history"),
    "view village audit trail": get("village_audit", "village"),
    "open roster import": get("roster_import", "village"),
    "upload roster": upload,
    "import checked roster": confirm,
    "export roster": get("roster_export", "village"),
    "rotate door-plate token": rotate,
    "view township": get("township", "township"),
    "view county": get("county", "county"),
    "view village roles": get("place_roles", "village"),
    "grant villager role": grant_villager,
    "revoke villager role": revoke,
    "view township roles": get("place_roles", "township"),
    "grant township officer role": grant_officer,
}


def fingerprint() -> tuple[object, ...]:
    """Everything these actions could change."""
    return (
        AuditEvent.objects.count(),
        sorted(Household.objects.values_list("public_token", flat=True)),
        Resident.objects.count(),
        RosterUpload.objects.filter(status=RosterUpload.Status.IMPORTED).count(),
        RosterUpload.objects.count(),
        RoleGrant.objects.filter(revoked_at__isnull=True).count(),
    )


def test_the_table_covers_every_action() -> None:
    assert set(ALLOWED) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_action(client: Client, world: World, role: str, action: str) -> None:
    # Given a signed-in user acting in `role` at their place, and whatever the action needs
    log_in(client, world.people[role])
    perform = ACTIONS[action](client, world)
    before = fingerprint()
    # When they attempt the action
    response = perform()
    # Then the answer is the one in the table, and a refusal changes nothing
    if role in ALLOWED[action]:
        assert response.status_code in {200, 302}, f"{role} may {action}"
    else:
        assert response.status_code in {403, 404}, f"{role} may not {action}"
        assert fingerprint() == before
