"""Small builders for test data: places, households with residents, and accounts with roles."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from django.utils import timezone

from jifen.accounts.models import RoleGrant, User
from jifen.ledger.ranking import register_households
from jifen.loans.models import Bank, BankOfficer, CreditLine, LoanPolicy
from jifen.places.idnumbers import check_character
from jifen.places.models import Grid, Household, Place, Resident, VillagerGroup
from jifen.places.services import create_place
from jifen.rules.catalogue import CATALOGUES
from jifen.rules.models import RulebookVersion
from jifen.rules.services import adopt_version, copy_template, publish_template

_sequence = itertools.count(100)


def id_number(birth: date = date(1970, 5, 1), *, male: bool = True, area: str = "510681") -> str:
    """A valid 18-digit ID number, different on every call."""
    n = next(_sequence)
    serial = (n % 500) * 2 + (1 if male else 0)
    area = str(int(area) + n // 500)
    first17 = f"{area}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


def phone() -> str:
    return f"139{next(_sequence):08d}"


def county(code: str = "510681000000", name: str = "青山县") -> Place:
    return create_place(actor=None, kind=Place.Kind.COUNTY, code=code, name=name)


def township(parent: Place, code: str, name: str) -> Place:
    return create_place(actor=None, kind=Place.Kind.TOWNSHIP, code=code, name=name, parent=parent)


def village(parent: Place, code: str, name: str) -> Place:
    return create_place(actor=None, kind=Place.Kind.VILLAGE, code=code, name=name, parent=parent)


def household(
    village: Place, door_plate: str, head_name: str = "王建国", members: int = 2
) -> Household:
    group, _ = VillagerGroup.objects.get_or_create(
        village=village, name="第一组", defaults={"number": 1}
    )
    grid, _ = Grid.objects.get_or_create(village=village, name="第1网格")
    home = Household.objects.create(village=village, group=group, grid=grid, door_plate=door_plate)
    register_households([home])
    head = Resident.objects.create(
        village=village,
        household=home,
        name=head_name,
        gender=Resident.Gender.MALE,
        birth_date=date(1970, 5, 1),
        id_number=id_number(date(1970, 5, 1)),
        phone=phone(),
        relation=Resident.Relation.HEAD,
    )
    for n in range(members - 1):
        Resident.objects.create(
            village=village,
            household=home,
            name=f"{head_name[0]}小{'一二三四五六'[n]}",
            gender=Resident.Gender.FEMALE,
            birth_date=date(1998, 3, 2),
            id_number=id_number(date(1998, 3, 2), male=False),
            relation=Resident.Relation.CHILD,
        )
    home.head = head
    home.save(update_fields=["head"])
    return home


def account(
    name: str,
    role: str,
    place: Place,
    *,
    resident: Resident | None = None,
    grid: Grid | None = None,
) -> User:
    user = User.objects.create_user(
        phone=resident.phone if resident and resident.phone else phone(),
        password="correct horse battery",
        name=name,
        resident=resident,
    )
    RoleGrant.objects.create(user=user, role=role, place=place, grid=grid)
    return user


def grant(user: User, role: str, place: Place) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, place=place)


def roster_xlsx(rows: list[list[object]], *, title: str | None = "桂花村户籍花名册") -> bytes:
    """An .xlsx roster with the standard headers (and a title row above them by default)."""
    from io import BytesIO

    from openpyxl import Workbook

    from jifen.places.roster import ROSTER_HEADERS

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(list(ROSTER_HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_row(
    plate: str,
    head: str,
    name: str,
    relation: str,
    id_number: str,
    *,
    group: str = "一组",
    phone: str = "",
    party: str = "否",
    home: str = "是",
) -> list[object]:
    return [group, plate, head, name, relation, "", id_number, "", phone, party, home]


# Appended with the rulebook app; imported here so that the builders above stay independent of it.


def rulebook(village: Place, *, catalogue: str = "general") -> RulebookVersion:
    """Put a rulebook in force in ``village`` and return that version: the county's template
    of the built-in ``catalogue`` (published on first use), copied and adopted by the system."""
    chosen = CATALOGUES[catalogue]
    county = Place.objects.get(code=village.path.strip("/").split("/")[0])
    template = RulebookVersion.objects.filter(
        rulebook__owner=county,
        rulebook__is_template=True,
        rulebook__title=chosen.title,
        status=RulebookVersion.Status.ADOPTED,
    ).first() or publish_template(actor=None, owner=county, title=chosen.title, catalogue=chosen)
    draft = copy_template(actor=None, village=village, template_version=template)
    return adopt_version(
        actor=None,
        version=draft,
        meeting="村民会议",
        adopted_on=timezone.localdate(),
        vote_result="应到312户，实到268户，同意251户",
    )


def bank(county: Place, *officers: User, name: str = "青山农商银行") -> Bank:
    """A partner bank of the county, with the given accounts as its officers."""
    found = Bank.objects.create(county=county, name=name, short_name=name[:4])
    for officer in officers:
        BankOfficer.objects.create(bank=found, user=officer)
    return found


def loan_policy(
    bank: Bank,
    area: Place,
    *,
    mode: str = LoanPolicy.Mode.PROPORTIONAL,
    base_rate: str = "4.35",
    discount_per_100: str = "0.1",
    max_discount: str = "1.00",
    min_stars: int = 1,
    credit_lines: dict[int, int] | None = None,
    version: int = 1,
) -> LoanPolicy:
    """A policy like the county bank's: 0.1 percentage point off per 100 points, up to 1."""
    policy = LoanPolicy.objects.create(
        bank=bank,
        area=area,
        name="积分贷",
        version=version,
        base_rate=Decimal(base_rate),
        discount_per_100=Decimal(discount_per_100),
        mode=mode,
        max_discount=Decimal(max_discount),
        min_stars=min_stars,
        valid_from=date(2026, 1, 1),
    )
    lines = credit_lines if credit_lines is not None else {1: 50_000, 2: 100_000, 3: 200_000}
    CreditLine.objects.bulk_create(
        [CreditLine(policy=policy, stars=s, limit_yuan=y) for s, y in lines.items()]
    )
    return policy
