"""A demo county: places, groups, grids, households, residents, and an account for every role.

Deterministic: everything random comes from one ``random.Random(seed)`` and every date from
``TODAY``, so one seed builds the same county (names, door plates, ID numbers, phones) on any
machine. Door-plate QR tokens stay random on purpose: they are secrets, not demo content.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import OuterRef, Subquery

from jifen.accounts.models import Role, RoleGrant, User
from jifen.accounts.services import grant_role
from jifen.ledger.ranking import register_households
from jifen.places.idnumbers import check_character
from jifen.places.models import Grid, Household, Place, Resident, VillagerGroup
from jifen.places.roster import group_name_for
from jifen.places.services import create_place

TODAY = date(2026, 11, 1)
DEFAULT_SEED = 20261101
DEMO_PASSWORD = "jifen-demo"  # noqa: S105 - public by design, printed for every demo user
COUNTY_NAME = "青山县"
COUNTY_CODE = "510681000000"
BATCH_SIZE = 1000

Relation = Resident.Relation
MALE, FEMALE = Resident.Gender.MALE, Resident.Gender.FEMALE

# Common surnames, weighted roughly by how often they occur (per mille).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("赵", 23),
    ("黄", 22), ("周", 21), ("吴", 20), ("徐", 16), ("孙", 15), ("胡", 13), ("朱", 13),
    ("高", 12), ("林", 12), ("何", 12), ("郭", 11), ("马", 11), ("罗", 9), ("梁", 8),
    ("宋", 8), ("郑", 8), ("谢", 7), ("韩", 7), ("唐", 7), ("冯", 7), ("邓", 7), ("曾", 6),
    ("彭", 6), ("曹", 6), ("袁", 6), ("蒋", 6), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 5),
    ("钟", 5), ("廖", 4), ("范", 4),
)  # fmt: skip
# Characters for given names, by gender and by generation (born before 1990, or since).
GIVEN_NAME_CHARACTERS: dict[tuple[str, bool], str] = {
    (MALE, False): "建国明华军强伟勇平刚林斌波辉志文海春德成忠福贵兵富荣清云良发树坤",
    (MALE, True): "浩宇轩子俊博睿晨泽铭杰涛磊鹏飞航凯鑫宏亮毅然阳嘉豪远",
    (FEMALE, False): "秀英兰芳华丽敏静燕玲红梅琴霞珍凤桂萍淑娟慧琼芬素莲玉翠",
    (FEMALE, True): "欣怡涵梓雨萱诗可佳思语婷雪琳颖悦妍晶瑶露丹蕾倩菲月",
}
# Place names in the style of the Chengdu plain.
PLACE_NAMES = (
    "桂花", "清平", "玉泉", "双河", "石亭", "金花", "土门", "汉旺", "九龙", "麓棠", "兴隆",
    "新市", "孝德", "齐福", "广济", "东北", "拱星", "板桥", "天池", "富新", "遵道", "五福",
    "高林", "白马", "青龙", "黄土", "柏林", "永安", "太平", "民乐", "回龙", "红岩", "三星",
    "龙泉", "观音", "桑园", "杏花", "竹林", "梨园", "油房", "马井", "紫岩", "大安", "云西",
    "金桥", "荷花", "丰收", "长乐",
)  # fmt: skip
PLACE_PREFIXES = ("", "新", "东", "西", "南", "北", "上", "下")
PHONE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
    "177", "180", "181", "182", "183", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
HOUSEHOLD_SIZES = (2, 3, 4, 5)
HOUSEHOLD_SIZE_WEIGHTS = (30, 34, 24, 12)  # 3.2 residents on average
COMMON_SURNAMES = list(accumulate(weight for _, weight in SURNAMES))


@dataclass(frozen=True)
class DemoSize:
    townships: int = 3
    villages_per_township: int = 4
    households_min: int = 240
    households_max: int = 470

    def __post_init__(self) -> None:
        if not 1 <= self.townships <= 899 or not 1 <= self.villages_per_township <= 799:
            raise ValueError("Townships must be 1 to 899, villages per township 1 to 799.")
        if not 10 <= self.households_min <= self.households_max:
            # The showcase village needs ten different people for its roles.
            raise ValueError("Households per village must be at least 10, and min <= max.")

    @classmethod
    def default(cls) -> DemoSize:
        return cls()

    @classmethod
    def tiny(cls) -> DemoSize:
        return cls(townships=1, villages_per_township=2, households_min=20, households_max=30)

    @classmethod
    def small(cls) -> DemoSize:
        """For benchmarks: 20 villages, 6,000 households."""
        return cls(townships=2, villages_per_township=10, households_min=300, households_max=300)

    @classmethod
    def county(cls) -> DemoSize:
        """For benchmarks: a county of 300 villages, 15 to a township, and 100,200 households."""
        return cls(townships=20, villages_per_township=15, households_min=334, households_max=334)


PRESETS: dict[str, Callable[[], DemoSize]] = {
    "default": DemoSize.default,
    "tiny": DemoSize.tiny,
    "small": DemoSize.small,
    "county": DemoSize.county,
}
# The benchmark sizes get a year of ledger entries loaded in bulk (jifen/demo/scale.py) rather
# than a year of activity through the services.
SCALE_ENTRIES = {"small": 300_000, "county": 5_000_000}


@dataclass(frozen=True)
class DemoLogin:
    role_label: str
    name: str
    phone: str
    place_name: str


@dataclass
class DemoSummary:
    county: Place
    villages: int
    households: int
    residents: int
    logins: list[DemoLogin]


class _People:
    """Draws names, ages, ID numbers and phones, all unique within the county."""

    def __init__(self, rng: random.Random, area_code: str, today: date) -> None:
        self.rng = rng
        self.area_code = area_code
        self.today = today
        self.taken_id_numbers: set[str] = set()
        self.taken_phones: set[str] = set()

    def surname_weights(self) -> list[float]:
        """Cumulative surname weights for one village, where a few families are big."""
        weights = [float(weight) for _, weight in SURNAMES]
        for index in self.rng.sample(range(len(SURNAMES)), 3):
            weights[index] *= 8
        return list(accumulate(weights))

    def surname(self, cumulative_weights: Sequence[float]) -> str:
        return self.rng.choices(SURNAMES, cum_weights=cumulative_weights)[0][0]

    def given_name(self, gender: str, birth_date: date) -> str:
        characters = GIVEN_NAME_CHARACTERS[gender, birth_date.year >= 1990]
        return "".join(self.rng.sample(characters, 1 if self.rng.random() < 0.3 else 2))

    def birth_date(self, age: int) -> date:
        """A birth date of someone exactly ``age`` years old today."""
        latest = self.today.replace(year=self.today.year - age)
        earliest = self.today.replace(year=self.today.year - age - 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def id_number(self, birth_date: date, gender: str) -> str:
        # The sequence's last digit (the 17th of the number) is odd for men, even for women.
        while True:
            sequence = self.rng.randrange(500) * 2 + (gender == MALE)
            first_17 = f"{self.area_code}{birth_date:%Y%m%d}{sequence:03d}"
            if first_17 not in self.taken_id_numbers:
                self.taken_id_numbers.add(first_17)
                return first_17 + check_character(first_17)

    def phone(self) -> str:
        while True:
            phone = f"{self.rng.choice(PHONE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if phone not in self.taken_phones:
                self.taken_phones.add(phone)
                return phone

    def resident(
        self, relation: str, gender: str, age: int, surname: str, *, at_home: bool
    ) -> Resident:
        birth_date = self.birth_date(age)
        adult = age >= 18
        has_phone = adult and self.rng.random() < (0.95 if age < 70 else 0.6)
        return Resident(
            name=surname + self.given_name(gender, birth_date),
            gender=gender,
            birth_date=birth_date,
            id_number=self.id_number(birth_date, gender),
            phone=self.phone() if has_phone else "",
            party_member=adult and self.rng.random() < 0.08,
            relation=relation,
            at_home=at_home,
        )

    def household(self, surnames: Sequence[float], *, away: bool) -> list[Resident]:
        """The members of one household, head first; ages and surnames fit their relations."""
        rng = self.rng
        size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)[0]
        head_gender = MALE if rng.random() < 0.82 else FEMALE
        head_age = round(rng.triangular(30, 80, 55))
        family = self.surname(surnames)  # the father's side, which the children take
        people: list[tuple[str, str, int, str]] = [  # relation, gender, age, surname
            (Relation.HEAD, head_gender, head_age, self._own(head_gender, family))
        ]
        if rng.random() < 0.9:
            gender = FEMALE if head_gender == MALE else MALE
            gap = rng.randint(-6, 2) if head_gender == MALE else rng.randint(-2, 6)
            age = min(max(head_age + gap, 22), 90)
            people.append((Relation.SPOUSE, gender, age, self._own(gender, family)))
        child_ages: list[int] = []
        parents = 0
        while len(people) < size:
            kinds, weights = [Relation.CHILD], [6]
            if head_age <= 58 and parents < 2:
                kinds.append(Relation.PARENT)
                weights.append(2)
            if any(age >= 22 for age in child_ages):
                kinds += [Relation.GRANDCHILD, Relation.CHILD_IN_LAW]
                weights += [3, 1]
            kind = rng.choices(kinds, weights)[0]
            gender = rng.choice((MALE, FEMALE))
            if kind == Relation.CHILD:
                age = rng.randint(max(0, head_age - 35), head_age - 20)
                child_ages.append(age)
                surname = family
            elif kind == Relation.PARENT:
                parents += 1
                age = min(head_age + rng.randint(22, 32), 95)
                surname = self._own(gender, people[0][3])
            elif kind == Relation.GRANDCHILD:
                age = rng.randint(0, max(0, min(max(child_ages) - 20, 16)))
                surname = family
            else:
                age = min(max(child_ages) + rng.randint(-4, 4), head_age - 18)
                surname = self.surname(COMMON_SURNAMES)
            people.append((kind, gender, age, surname))
        residents = [
            self.resident(relation, gender, age, surname, at_home=not away)
            for relation, gender, age, surname in people
        ]
        if not away:
            # Young adults of a household at home often work in the city all the same.
            for resident in residents[1:]:
                if 18 <= resident.age_on(self.today) <= 50 and rng.random() < 0.2:
                    resident.at_home = False
            residents[0].at_home = True
        return residents

    def _own(self, gender: str, family: str) -> str:
        # Wives mostly married in from elsewhere: their surnames follow the national weights.
        return family if gender == MALE else self.surname(COMMON_SURNAMES)


class _Accounts:
    """Demo accounts: one password hash for all, and each grant made through ``grant_role``."""

    def __init__(self, people: _People, today: date) -> None:
        self.people = people
        self.today = today
        # PBKDF2 takes most of a second: hash once and share the hash.
        self.password = make_password(DEMO_PASSWORD)
        # By ID number, not id(): the ids of a finished village's residents are reused later.
        self.chosen: set[str] = set()

    def staff(self, place: Place, *roles: str) -> None:
        """A township or county employee, with a made-up name and phone."""
        rng = self.people.rng
        gender = MALE if rng.random() < 0.6 else FEMALE
        birth_date = self.people.birth_date(rng.randint(28, 55))
        name = self.people.surname(COMMON_SURNAMES)
        name += self.people.given_name(gender, birth_date)
        user = User.objects.create(phone=self.people.phone(), name=name, password=self.password)
        for role in roles:
            grant_role(actor=None, user=user, role=role, place=place)

    def pick(
        self, residents: Sequence[Resident], *, ages: tuple[int, int], head: bool | None = None
    ) -> Resident:
        """A resident at home, with a phone, not yet holding an account; chosen before saving."""

        def fits(resident: Resident) -> bool:
            return (
                bool(resident.phone)
                and resident.at_home
                and ages[0] <= resident.age_on(self.today) <= ages[1]
                and (head is None or (resident.relation == Relation.HEAD) == head)
            )

        free = [resident for resident in residents if resident.id_number not in self.chosen]
        candidates = [resident for resident in free if fits(resident)] or free
        resident = self.people.rng.choice(candidates)
        resident.phone = resident.phone or self.people.phone()
        self.chosen.add(resident.id_number)
        return resident

    def villager(
        self, resident: Resident, village: Place, *roles: str, grid: Grid | None = None
    ) -> None:
        user = User.objects.create(
            phone=resident.phone, name=resident.name, resident=resident, password=self.password
        )
        for role in roles:
            grant_role(
                actor=None,
                user=user,
                role=role,
                place=village,
                grid=grid if role == Role.GRID_MEMBER else None,
            )


def build_demo(
    *,
    seed: int = DEFAULT_SEED,
    size: DemoSize | None = None,
    today: date = TODAY,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Build the demo county. Fails if a place with the demo county's code already exists."""
    size = size or DemoSize.default()
    rng = random.Random(seed)
    people = _People(rng, COUNTY_CODE[:6], today)
    shuffled = rng.sample(PLACE_NAMES, len(PLACE_NAMES))
    names = [prefix + name for prefix in PLACE_PREFIXES for name in shuffled]
    total = size.townships * size.villages_per_township
    households = residents = 0
    # One transaction for the whole county: a half-built demo must not look like a finished one
    # to ``--if-empty``, and on SQLite one commit is much faster than twelve.
    with transaction.atomic():
        accounts = _Accounts(people, today)
        county = create_place(
            actor=None, kind=Place.Kind.COUNTY, code=COUNTY_CODE, name=COUNTY_NAME
        )
        accounts.staff(county, Role.COUNTY_ADMIN)
        accounts.staff(county, Role.BANK_OFFICER)
        for township_index in range(size.townships):
            township = create_place(
                actor=None,
                kind=Place.Kind.TOWNSHIP,
                code=f"{COUNTY_CODE[:6]}{101 + township_index:03d}000",
                name=names[township_index % len(names)] + "镇",
                parent=county,
            )
            accounts.staff(township, Role.TOWNSHIP_ADMIN)
            accounts.staff(township, Role.TOWNSHIP_OFFICER)
            for village_index in range(size.villages_per_township):
                number = township_index * size.villages_per_township + village_index + 1
                name = names[(size.townships + number - 1) % len(names)] + "村"
                if progress:
                    progress(f"building village {number}/{total} {name} …")
                village = create_place(
                    actor=None,
                    kind=Place.Kind.VILLAGE,
                    code=f"{township.code[:9]}{201 + village_index:03d}",
                    name=name,
                    parent=township,
                )
                built = _build_village(people, accounts, village, size, showcase=number == 1)
                households += built[0]
                residents += built[1]
    return DemoSummary(
        county=county,
        villages=total,
        households=households,
        residents=residents,
        logins=demo_logins(county),
    )


def _build_village(
    people: _People, accounts: _Accounts, village: Place, size: DemoSize, *, showcase: bool
) -> tuple[int, int]:
    """Fill one village; returns the number of households and residents."""
    rng = people.rng
    count = round(rng.triangular(size.households_min, size.households_max, size.households_min))
    groups = [
        VillagerGroup(village=village, name=group_name_for(number), number=number)
        for number in range(1, max(1, min(rng.randint(3, 8), count // 5)) + 1)
    ]
    # Group sizes vary by up to 30% either way around the average.
    weights = [rng.uniform(0.7, 1.3) for _ in groups]
    group_sizes = [int(count * weight / sum(weights)) for weight in weights]
    for index in range(count - sum(group_sizes)):
        group_sizes[index % len(groups)] += 1

    surnames = people.surname_weights()
    away_share = rng.uniform(0.15, 0.25)
    households: list[Household] = []
    residents: list[Resident] = []
    for group, group_size in zip(groups, group_sizes, strict=True):
        for serial in range(1, group_size + 1):
            away = rng.random() < away_share
            household = Household(
                village=village,
                group=group,
                door_plate=f"{group.number}-{serial:03d}",
                address=f"{village.name}{group.name}{serial}号",
                at_home=not away,
            )
            households.append(household)
            for resident in people.household(surnames, away=away):
                resident.village = village
                resident.household = household
                residents.append(resident)

    # Grids cut across groups: consecutive door plates, 18 to 50 households each.
    target = rng.randint(28, 40)
    grid_count = max(math.ceil(count / 50), min(round(count / target), max(1, count // 18)))
    grids = [Grid(village=village, name=f"第{n}网格") for n in range(1, grid_count + 1)]
    base, extra = divmod(count, grid_count)
    start = 0
    for index, grid in enumerate(grids):
        end = start + base + (index < extra)
        for household in households[start:end]:
            household.grid = grid
        start = end

    # Choose the cadres before saving, so that their flags are saved with everyone else.
    secretary = accounts.pick(residents, ages=(35, 60))
    secretary.party_member = True
    committee_member = accounts.pick(residents, ages=(28, 60))
    if showcase:
        supervisor = accounts.pick(residents, ages=(40, 68))
        grid_members = [accounts.pick(residents, ages=(25, 60)) for _ in range(2)]
        representative = accounts.pick(residents, ages=(30, 70))
        store_keeper = accounts.pick(residents, ages=(30, 60))
        head = accounts.pick(residents, ages=(30, 70), head=True)
        villager = accounts.pick(residents, ages=(18, 60), head=False)

    VillagerGroup.objects.bulk_create(groups, batch_size=BATCH_SIZE)
    Grid.objects.bulk_create(grids, batch_size=BATCH_SIZE)
    Household.objects.bulk_create(households, batch_size=BATCH_SIZE)
    register_households(households)
    Resident.objects.bulk_create(residents, batch_size=BATCH_SIZE)
    Household.objects.filter(village=village).update(
        head=Subquery(
            Resident.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).values("pk")
        )
    )

    accounts.villager(secretary, village, Role.SECRETARY, *([Role.VILLAGER] if showcase else []))
    accounts.villager(committee_member, village, Role.COMMITTEE_MEMBER)
    if showcase:
        accounts.villager(supervisor, village, Role.SUPERVISOR)
        for index, member in enumerate(grid_members):
            grid = grids[min(index, len(grids) - 1)]
            accounts.villager(member, village, Role.GRID_MEMBER, grid=grid)
        accounts.villager(representative, village, Role.REPRESENTATIVE)
        accounts.villager(store_keeper, village, Role.STORE_KEEPER)
        accounts.villager(head, village, Role.HOUSEHOLD_HEAD, Role.VILLAGER)
        accounts.villager(villager, village, Role.VILLAGER)
    return len(households), len(residents)


def find_demo_county() -> Place | None:
    return Place.objects.filter(kind=Place.Kind.COUNTY).order_by("code").first()


def demo_logins(county: Place) -> list[DemoLogin]:
    """Every account with a role in ``county``, in the order their first role was granted."""
    grants = (
        RoleGrant.objects.filter(revoked_at__isnull=True, place__path__startswith=county.path)
        .select_related("user", "place", "grid")
        .order_by("pk")
    )
    first_grants: dict[int, RoleGrant] = {}
    labels: dict[int, list[str]] = {}
    showcase = grants.filter(place__kind=Place.Kind.VILLAGE).order_by("place__code").first()
    for grant in grants:
        # The villagers who raise matters elsewhere log in too, but the table shows the
        # showcase village's: one of each role is enough to look around.
        if grant.role == Role.VILLAGER and showcase and grant.place_id != showcase.place_id:
            continue
        first_grants.setdefault(grant.user_id, grant)
        labels.setdefault(grant.user_id, []).append(str(Role(grant.role).label))
    return [
        DemoLogin(
            role_label=" + ".join(labels[user_id]),
            name=grant.user.name,
            phone=grant.user.phone,
            place_name=f"{grant.place.name} {grant.grid.name}" if grant.grid else grant.place.name,
        )
        for user_id, grant in first_grants.items()
    ]


def format_logins(logins: Sequence[DemoLogin]) -> str:
    """The logins as a table that lines up in a terminal, Chinese characters being two wide."""
    rows = [("Role", "Name", "Phone", "Place")]
    rows += [(login.role_label, login.name, login.phone, login.place_name) for login in logins]
    widths = [max(_width(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(
            text + " " * (width - _width(text)) for text, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += ["", f"Password for every account: {DEMO_PASSWORD}", "Open http://127.0.0.1:8000"]
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
