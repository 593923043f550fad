"""Importing a roster into a village: all or nothing, idempotent, audited."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from jifen.accounts.actors import Actor
from jifen.accounts.models import RoleGrant
from jifen.audit.models import AuditEvent
from jifen.places.models import Household, Resident, RosterUpload
from jifen.places.selectors import roster_workbook
from jifen.places.services import check_roster_upload, import_roster_upload
from tests import factories
from tests.conftest import World

WANG = factories.id_number(date(1961, 4, 9))
WANG_WIFE = factories.id_number(date(1963, 8, 30), male=False)
WANG_SON = factories.id_number(date(1988, 1, 15))
LIU = factories.id_number(date(1975, 12, 1))


def first_roster() -> bytes:
    return factories.roster_xlsx(
        [
            factories.roster_row(
                "5-01", "王大山", "王大山", "户主", WANG, phone="13812345678", party="是"
            ),
            factories.roster_row("5-01", "王大山", "李秀英", "妻子", WANG_WIFE),
            factories.roster_row("5-01", "王大山", "王小山", "儿子", WANG_SON, home="外出务工"),
            factories.roster_row("5-02", "刘长青", "刘长青", "户主", LIU, group="第二组"),
        ]
    )


def actor_for(world: World, role: str = "secretary") -> Actor:
    user = world.people[role]
    return Actor(user=user, grant=RoleGrant.objects.get(user=user), ip_address="10.1.2.3")


def check_and_import(world: World, content: bytes, role: str = "secretary") -> dict[str, int]:
    actor = actor_for(world, role)
    checked = check_roster_upload(
        actor=actor, village=world.village, filename="r.xlsx", content=content
    )
    assert checked.plan.is_valid, checked.plan.problems
    return import_roster_upload(actor=actor, upload=checked.upload).plan.counts()


def test_import_creates_households_residents_groups_and_heads(world: World) -> None:
    # When the secretary imports a roster of two new households
    counts = check_and_import(world, first_roster())
    # Then both households exist with their heads, groups and members
    assert counts == {
        "households_added": 2,
        "households_changed": 0,
        "households_unchanged": 0,
        "residents_added": 4,
        "residents_changed": 0,
        "residents_unchanged": 0,
        "residents_not_in_file": 5,
    }
    wang = Household.objects.get(village=world.village, door_plate="5-01")
    assert wang.head is not None and wang.head.id_number == WANG
    assert wang.group.name == "第一组"
    assert wang.at_home is True
    assert sorted(wang.residents.values_list("name", flat=True)) == ["李秀英", "王大山", "王小山"]
    son = Resident.objects.get(id_number=WANG_SON)
    assert (son.at_home, son.relation, son.gender) == (False, "child", "M")
    assert Resident.objects.get(id_number=WANG).party_member is True
    assert Household.objects.get(door_plate="5-02").group.name == "第二组"
    # And each change is audited with who, in which role, from where
    events = AuditEvent.objects.filter(
        village=world.village, action__in=["household.create", "resident.create"]
    )
    assert events.count() == 6
    assert set(events.values_list("actor_role", "ip_address").distinct()) == {
        ("secretary", "10.1.2.3")
    }


def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    check_and_import(world, first_roster())
    events_before = AuditEvent.objects.exclude(action__startswith="roster.").count()
    # When the same file is imported again
    counts = check_and_import(world, first_roster())
    # Then nothing changed and nothing but the import itself was recorded
    assert counts["households_unchanged"] == 2
    assert counts["residents_unchanged"] == 4
    assert counts["households_added"] == counts["households_changed"] == 0
    assert counts["residents_added"] == counts["residents_changed"] == 0
    assert AuditEvent.objects.exclude(action__startswith="roster.").count() == events_before


def test_a_changed_file_updates_what_changed(world: World) -> None:
    check_and_import(world, first_roster())
    grandchild = factories.id_number(date(2015, 6, 1), male=False)
    # Given the son became head, his father a parent, and a granddaughter was born
    changed = factories.roster_xlsx(
        [
            factories.roster_row(
                "5-01", "王小山", "王大山", "父亲", WANG, phone="13812345678", party="是"
            ),
            factories.roster_row("5-01", "王小山", "李秀英", "母亲", WANG_WIFE),
            factories.roster_row("5-01", "王小山", "王小山", "户主", WANG_SON, phone="13900001111"),
            factories.roster_row("5-01", "王小山", "王朵朵", "孙女", grandchild),
            factories.roster_row("5-02", "刘长青", "刘长青", "户主", LIU, group="第二组"),
        ]
    )
    counts = check_and_import(world, changed)
    assert counts["households_changed"] == 1
    assert counts["households_unchanged"] == 1
    assert counts["residents_added"] == 1
    assert counts["residents_changed"] == 3
    assert counts["residents_unchanged"] == 1
    wang = Household.objects.get(door_plate="5-01")
    assert wang.head is not None and wang.head.id_number == WANG_SON
    son = Resident.objects.get(id_number=WANG_SON)
    assert (son.relation, son.phone, son.at_home) == ("head", "13900001111", True)
    update = AuditEvent.objects.get(action="resident.update", object_id=str(son.pk))
    assert update.before is not None and update.after is not None
    assert (update.before["phone"], update.after["phone"]) == ("", "13900001111")


def test_a_file_with_a_bad_row_imports_nothing(world: World) -> None:
    bad_id = WANG[:-1] + ("0" if WANG[-1] != "0" else "1")
    content = factories.roster_xlsx(
        [
            factories.roster_row("5-01", "王大山", "王大山", "户主", bad_id),
            factories.roster_row("5-02", "刘长青", "刘长青", "户主", LIU, phone="1381234"),
        ]
    )
    households = Household.objects.count()
    checked = check_roster_upload(
        actor=actor_for(world), village=world.village, filename="r.xlsx", content=content
    )
    assert checked.upload.status == RosterUpload.Status.REJECTED
    assert [(p.row, p.column) for p in checked.plan.problems] == [(3, "身份证号"), (4, "联系电话")]
    with pytest.raises(ValidationError):
        import_roster_upload(actor=actor_for(world), upload=checked.upload)
    assert Household.objects.count() == households


def test_an_id_number_registered_in_another_village_is_a_problem(world: World) -> None:
    # Given a resident of 玉泉村 appears in 桂花村's roster
    far_head = world.far_home.head
    assert far_head is not None
    content = factories.roster_xlsx(
        [factories.roster_row("5-01", far_head.name, far_head.name, "户主", far_head.id_number)]
    )
    with translation.override("en"):
        checked = check_roster_upload(
            actor=actor_for(world), village=world.village, filename="r.xlsx", content=content
        )
    assert [(p.row, str(p.message)) for p in checked.plan.problems] == [
        (3, "This ID number is already registered in 玉泉村.")
    ]


def test_the_registry_changing_between_check_and_import_imports_nothing(world: World) -> None:
    checked = check_roster_upload(
        actor=actor_for(world), village=world.village, filename="r.xlsx", content=first_roster()
    )
    # Meanwhile, 双河村 registered the same person
    neighbour = factories.household(world.neighbour_village, "9-09")
    assert neighbour.head is not None
    Resident.objects.filter(pk=neighbour.head.pk).update(id_number=LIU)
    with pytest.raises(ValidationError):
        import_roster_upload(actor=actor_for(world), upload=checked.upload)
    assert not Household.objects.filter(village=world.village, door_plate="5-01").exists()


@pytest.mark.parametrize(
    "role", ["villager", "grid_member", "supervisor", "township_admin", "neighbour_secretary"]
)
def test_only_the_village_cadres_import(world: World, role: str) -> None:
    uploads = RosterUpload.objects.count()
    with pytest.raises(PermissionDenied):
        check_roster_upload(
            actor=actor_for(world, role),
            village=world.village,
            filename="r.xlsx",
            content=first_roster(),
        )
    assert RosterUpload.objects.count() == uploads


def test_an_exported_roster_imports_back_unchanged(world: World) -> None:
    check_and_import(world, first_roster())
    counts = check_and_import(world, roster_workbook(world.village))
    assert counts["households_added"] == counts["households_changed"] == 0
    assert counts["residents_added"] == counts["residents_changed"] == 0
    assert counts["households_unchanged"] == Household.objects.filter(village=world.village).count()


def test_the_command_imports_and_reports(world: World, tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(first_roster())
    out = StringIO()
    call_command(
        "import_registry", str(path), village=world.village.code, stdout=out, stderr=StringIO()
    )
    assert out.getvalue().splitlines()[0] == (
        "imported: households 2 added, 0 changed, 0 unchanged; "
        "residents 4 added, 0 changed, 0 unchanged"
    )
    assert Household.objects.filter(village=world.village, door_plate="5-02").exists()


def test_the_command_lists_problems_by_row_and_fails(world: World, tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(
        factories.roster_xlsx([factories.roster_row("5-01", "王大山", "王大山", "户主", "12345")])
    )
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_registry",
            str(path),
            village=world.village.code,
            language="en",
            stdout=out,
            stderr=StringIO(),
        )
    assert out.getvalue().startswith("row 3\t身份证号\t")
    assert not Household.objects.filter(door_plate="5-01").exists()
