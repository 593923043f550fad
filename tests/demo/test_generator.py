import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from jifen.accounts.models import Role, RoleGrant, User
from jifen.demo.generator import DEMO_PASSWORD, TODAY, DemoSize, build_demo, demo_logins
from jifen.places.idnumbers import birth_date_of, gender_of, has_valid_check_digit
from jifen.places.models import Household, Place, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny():
    return build_demo(seed=7, size=DemoSize.tiny())


def _digest() -> str:
    rows = Resident.objects.order_by("household__village__code", "household__door_plate", "pk")
    text = "|".join(
        f"{plate},{name},{id_number}"
        for plate, name, id_number in rows.values_list("household__door_plate", "name", "id_number")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _digest_of_build(seed: int) -> str:
    # Each build in its own transaction, rolled back, so the next can reuse the place codes.
    with transaction.atomic():
        build_demo(seed=seed, size=DemoSize.tiny())
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_tiny_demo_has_the_counts_of_its_summary(tiny):
    assert Place.objects.filter(kind=Place.Kind.COUNTY).get() == tiny.county
    assert Place.objects.filter(kind=Place.Kind.TOWNSHIP).count() == 1
    assert Place.objects.filter(kind=Place.Kind.VILLAGE).count() == tiny.villages == 2
    assert Household.objects.count() == tiny.households
    assert 40 <= tiny.households <= 60
    assert Resident.objects.count() == tiny.residents


def test_every_household_has_one_head_and_two_to_five_residents(tiny):
    heads = Counter(
        Resident.objects.filter(relation=Resident.Relation.HEAD).values_list(
            "household_id", flat=True
        )
    )
    for household in Household.objects.prefetch_related("residents"):
        residents = list(household.residents.all())
        assert heads[household.pk] == 1
        assert household.head is not None
        assert household.head.household_id == household.pk
        assert household.head.relation == Resident.Relation.HEAD
        assert 2 <= len(residents) <= 5
        assert {r.village_id for r in residents} == {household.village_id}


def test_id_numbers_are_valid_unique_and_match_birth_date_and_gender(tiny):
    residents = list(Resident.objects.all())
    for resident in residents:
        assert has_valid_check_digit(resident.id_number), resident.id_number
        assert resident.id_number[:6] == tiny.county.code[:6]
        assert birth_date_of(resident.id_number) == resident.birth_date
        assert gender_of(resident.id_number) == resident.gender
    assert len({r.id_number for r in residents}) == len(residents)


def test_phones_are_unique_mobile_numbers_and_children_have_none(tiny):
    phones = [r.phone for r in Resident.objects.exclude(phone="")]
    phones += list(User.objects.values_list("phone", flat=True).exclude(resident__isnull=False))
    assert len(set(phones)) == len(phones)
    assert all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)
    for resident in Resident.objects.exclude(phone=""):
        assert resident.age_on(TODAY) >= 18


def test_every_role_has_an_account_and_accounts_of_villagers_match_their_resident(tiny):
    granted = set(RoleGrant.objects.values_list("role", flat=True))
    assert granted == set(Role.values)
    for user in User.objects.filter(resident__isnull=False).select_related("resident"):
        resident = user.resident
        assert resident is not None
        assert (user.name, user.phone) == (resident.name, resident.phone)
        assert set(user.grants.values_list("place_id", flat=True)) == {resident.village_id}


def test_showcase_secretary_holds_two_roles(tiny):
    village = Place.objects.get(code="510681101201")
    secretary = User.objects.get(grants__role=Role.SECRETARY, grants__place=village)
    assert sorted(secretary.grants.values_list("role", flat=True)) == [
        Role.SECRETARY,
        Role.VILLAGER,
    ]
    assert secretary.resident is not None
    assert secretary.resident.party_member


def test_summary_lists_the_logins_in_order(tiny):
    labels = [login.role_label for login in tiny.logins]
    expected = [
        [Role.COUNTY_ADMIN],
        [Role.BANK_OFFICER],
        [Role.TOWNSHIP_ADMIN],
        [Role.TOWNSHIP_OFFICER],
        [Role.SECRETARY, Role.VILLAGER],
        [Role.COMMITTEE_MEMBER],
        [Role.SUPERVISOR],
        [Role.GRID_MEMBER],
        [Role.GRID_MEMBER],
        [Role.REPRESENTATIVE],
        [Role.STORE_KEEPER],
        [Role.HOUSEHOLD_HEAD, Role.VILLAGER],
        [Role.VILLAGER],
        [Role.SECRETARY],
        [Role.COMMITTEE_MEMBER],
    ]
    assert labels == [" + ".join(str(role.label) for role in roles) for roles in expected]
    assert len(tiny.logins) == User.objects.count() == 15
    assert demo_logins(tiny.county) == tiny.logins
    assert len(set(User.objects.values_list("password", flat=True))) == 1
    assert User.objects.get(phone=tiny.logins[0].phone).check_password(DEMO_PASSWORD)


def test_same_seed_builds_the_same_county_and_another_seed_does_not():
    first = _digest_of_build(seed=42)
    assert _digest_of_build(seed=42) == first
    assert _digest_of_build(seed=43) != first


def test_command_prints_every_login_and_the_password_once():
    out, err = StringIO(), StringIO()
    call_command("build_demo", "--size", "tiny", "--no-activity", stdout=out, stderr=err)

    county = Place.objects.get(kind=Place.Kind.COUNTY)
    logins = demo_logins(county)
    assert len(logins) == 15
    for login in logins:
        assert login.phone in out.getvalue()
        assert login.name in out.getvalue()
    assert out.getvalue().count(DEMO_PASSWORD) == 1
    assert "Open http://127.0.0.1:8000" in out.getvalue()
    assert "building village 2/2" in err.getvalue()


def test_command_if_empty_reprints_the_logins_without_building():
    first, again = StringIO(), StringIO()
    call_command(
        "build_demo",
        "--size",
        "tiny",
        "--no-activity",
        "--if-empty",
        stdout=first,
        stderr=StringIO(),
    )
    households = Household.objects.count()
    call_command(
        "build_demo",
        "--size",
        "tiny",
        "--no-activity",
        "--if-empty",
        stdout=again,
        stderr=StringIO(),
    )

    assert Household.objects.count() == households
    assert again.getvalue() == first.getvalue()


def test_command_refuses_to_build_a_second_county():
    call_command(
        "build_demo", "--size", "tiny", "--no-activity", stdout=StringIO(), stderr=StringIO()
    )

    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "build_demo", "--size", "tiny", "--no-activity", stdout=StringIO(), stderr=StringIO()
        )
    assert Place.objects.filter(kind=Place.Kind.COUNTY).count() == 1


@pytest.mark.django_db(transaction=True)
def test_command_reset_replaces_the_demo_with_an_identical_one():
    call_command(
        "build_demo", "--size", "tiny", "--no-activity", stdout=StringIO(), stderr=StringIO()
    )
    before = _digest()

    call_command(
        "build_demo",
        "--size",
        "tiny",
        "--no-activity",
        "--reset",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert _digest() == before
    assert Place.objects.filter(kind=Place.Kind.COUNTY).count() == 1
