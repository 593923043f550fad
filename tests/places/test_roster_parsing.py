"""Parsing, normalising and row-level validation of a village roster (jifen.places.roster)."""

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from django.utils.functional import Promise
from openpyxl import Workbook

from jifen.places.idnumbers import check_character
from jifen.places.models import Resident
from jifen.places.roster import (
    AT_HOME,
    BIRTH_DATE,
    DOOR_PLATE,
    GENDER,
    GROUP,
    HEAD_NAME,
    ID_NUMBER,
    NAME,
    PARTY_MEMBER,
    PHONE,
    RELATION,
    ROSTER_HEADERS,
    ParsedRoster,
    RosterHousehold,
    RosterPerson,
    group_name_for,
    parse_roster,
)


def make_id_number(birth: str, sequence: str) -> str:
    first_17_digits = "510681" + birth + sequence
    return first_17_digits + check_character(first_17_digits)


ZHANG_SAN_ID = make_id_number("19650316", "301")  # a man
LI_MEI_ID = make_id_number("19670520", "302")  # a woman
ZHANG_XIAOMING_ID = make_id_number("19900101", "305")  # a man; his check character is X
WANG_FANG_ID = make_id_number("19420212", "302")  # a woman

ZHANG_SAN: dict[str, object] = {
    GROUP: "一组",
    DOOR_PLATE: "1号",
    HEAD_NAME: "张三",
    NAME: "张三",
    RELATION: "户主",
    GENDER: "男",
    ID_NUMBER: ZHANG_SAN_ID,
    BIRTH_DATE: "1965-03-16",
    PHONE: "13812345678",
    PARTY_MEMBER: "是",
    AT_HOME: "是",
}
LI_MEI: dict[str, object] = {
    **ZHANG_SAN,
    NAME: "李梅",
    RELATION: "配偶",
    GENDER: "女",
    ID_NUMBER: LI_MEI_ID,
    BIRTH_DATE: "1967-05-20",
    PARTY_MEMBER: "否",
}
WANG_FANG: dict[str, object] = {
    **ZHANG_SAN,
    GROUP: "二组",
    DOOR_PLATE: "2号",
    HEAD_NAME: "王芳",
    NAME: "王芳",
    GENDER: "女",
    ID_NUMBER: WANG_FANG_ID,
    BIRTH_DATE: "1942-02-12",
    PHONE: "",
}

# openpyxl hands over a date cell as a naive datetime.
EXCEL_DATE = datetime(1967, 5, 20)  # noqa: DTZ001

ALL_HEADERS_MISSING = (
    "The header row is missing these columns: "
    "组别、门牌号、户主姓名、姓名、与户主关系、性别、身份证号、出生日期、联系电话、是否党员、是否在家."
)

EXCEL_NUMBER = (
    "The ID number was stored as a number by Excel and has lost digits; format the column as "
    "text and type the number again."
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def rows_of(
    *people: Mapping[str, object], headers: tuple[str, ...] = ROSTER_HEADERS
) -> list[list[object]]:
    return [list(headers), *([person.get(header) for header in headers] for person in people)]


def xlsx_file(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows: Sequence[Sequence[object]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def parse_people(*people: Mapping[str, object]) -> ParsedRoster:
    """An .xlsx with the header in row 1 and one person per row from row 2."""
    return parse_roster(xlsx_file(rows_of(*people)), "花名册.xlsx")


def problems_of(roster: ParsedRoster) -> list[tuple[int | None, str, str]]:
    return [(problem.row, problem.column, str(problem.message)) for problem in roster.problems]


def person_in_row(roster: ParsedRoster, row: int) -> RosterPerson:
    assert problems_of(roster) == []
    (person,) = [p for household in roster.households for p in household.people if p.row == row]
    return person


# A whole roster ---------------------------------------------------------------------------------


def zhang_and_wang_households(first_row: int) -> list[RosterHousehold]:
    zhang_san = RosterPerson(
        row=first_row,
        name="张三",
        gender=Resident.Gender.MALE,
        birth_date=date(1965, 3, 16),
        id_number=ZHANG_SAN_ID,
        phone="13812345678",
        party_member=True,
        relation=Resident.Relation.HEAD,
        at_home=True,
    )
    li_mei = RosterPerson(
        row=first_row + 1,
        name="李梅",
        gender=Resident.Gender.FEMALE,
        birth_date=date(1967, 5, 20),
        id_number=LI_MEI_ID,
        phone="13812345678",
        party_member=False,
        relation=Resident.Relation.SPOUSE,
        at_home=True,
    )
    zhang_xiaoming = RosterPerson(
        row=first_row + 2,
        name="张小明",
        gender=Resident.Gender.MALE,
        birth_date=date(1990, 1, 1),
        id_number=ZHANG_XIAOMING_ID,
        phone="13912345678",
        party_member=False,
        relation=Resident.Relation.CHILD,
        at_home=False,
    )
    wang_fang = RosterPerson(
        row=first_row + 3,
        name="王芳",
        gender=Resident.Gender.FEMALE,
        birth_date=date(1942, 2, 12),
        id_number=WANG_FANG_ID,
        phone="",
        party_member=False,
        relation=Resident.Relation.HEAD,
        at_home=False,
    )
    return [
        RosterHousehold(
            door_plate="1号",
            group_number=1,
            group_name="第一组",
            head_name="张三",
            first_row=first_row,
            people=(zhang_san, li_mei, zhang_xiaoming),
        ),
        RosterHousehold(
            door_plate="2号",
            group_number=2,
            group_name="第二组",
            head_name="王芳",
            first_row=first_row + 3,
            people=(wang_fang,),
        ),
    ]


def test_parses_an_xlsx_roster_below_a_title_row_with_cells_as_people_type_them():
    # Given a workbook with a merged title row, the header in row 2, and cells as Excel holds them
    rows = rows_of(
        {**ZHANG_SAN, DOOR_PLATE: " 1号 ", NAME: "张 三", BIRTH_DATE: 23817, PHONE: 13812345678},
        {**LI_MEI, GROUP: "1组", RELATION: "妻", BIRTH_DATE: EXCEL_DATE, AT_HOME: None},
        {
            **ZHANG_SAN,
            GROUP: "第1组",
            NAME: "张小明",
            RELATION: "儿子",
            GENDER: None,
            ID_NUMBER: ZHANG_XIAOMING_ID.lower(),
            BIRTH_DATE: None,
            PHONE: 13912345678.0,
            PARTY_MEMBER: None,
            AT_HOME: "外出务工",
        },
        {
            **WANG_FANG,
            RELATION: "本人",
            BIRTH_DATE: "1942/2/12",
            PARTY_MEMBER: "否",
            AT_HOME: "外出",
        },
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["XX村户籍花名册 2026年"])
    sheet.merge_cells("A1:K1")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    # When it is parsed
    roster = parse_roster(buffer.getvalue(), "XX村花名册.xlsx")

    # Then every cell is normalised, and the households come in file order with Excel's row numbers
    assert problems_of(roster) == []
    assert roster.is_valid
    assert roster.row_count == 4
    assert roster.households == zhang_and_wang_households(first_row=3)
    assert [household.at_home for household in roster.households] == [True, False]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_parses_a_csv_roster_in_utf8_with_or_without_bom_and_in_gb18030(encoding):
    # Given the same roster saved as CSV by Excel, in one of the encodings it uses
    rows = [
        list(ROSTER_HEADERS),
        [
            "一组",
            "1号",
            "张三",
            "张三",
            "户主",
            "男",
            ZHANG_SAN_ID,
            "1965-03-16",
            "13812345678",
            "是",
            "是",
        ],
        [
            "一组",
            "1号",
            "张三",
            "李梅",
            "配偶",
            "女",
            LI_MEI_ID,
            "1967年5月20日",
            "13812345678",
            "N",
            "在家",
        ],
        [
            "一组",
            "1号",
            "张三",
            "张小明",
            "子",
            "男",
            ZHANG_XIAOMING_ID,
            "19900101",
            "13912345678",
            "",
            "否",
        ],
        [
            "二组",
            "2号",
            "王芳",
            "王芳",
            "户主",
            "女性",
            WANG_FANG_ID,
            "1942.2.12",
            "",
            "0",
            "不在家",
        ],
    ]

    # When it is parsed
    roster = parse_roster(csv_file(rows, encoding), "roster.CSV")

    # Then it reads exactly like the workbook
    assert problems_of(roster) == []
    assert roster.row_count == 4
    assert roster.households == zhang_and_wang_households(first_row=2)


def test_finds_headers_in_any_order_with_required_marks_and_ignores_extra_columns():
    # Given shuffled headers with stray spaces, required marks and a column for notes
    headers = ["备注", "身份证号（必填）", "姓名*", "*性别", " 门 牌 号 ", "组　别", "户主姓名"]
    headers += ["与户主关系", "出生日期", "联系电话", "是否党员", "是否在家"]
    rows = [
        headers,
        ["老党员", ZHANG_SAN_ID, "张三", "男", "1号", "一组", "张三", "户主", "", "", "1", ""],
    ]

    # When it is parsed
    roster = parse_roster(xlsx_file(rows), "roster.xlsx")

    # Then each column is found by its header
    person = person_in_row(roster, 2)
    assert (person.name, person.id_number, person.party_member) == ("张三", ZHANG_SAN_ID, True)
    assert roster.households[0].door_plate == "1号"


def test_skips_blank_rows_but_counts_them_in_row_numbers():
    # Given a blank row and a row of blank strings between two people, and a note beside the table
    rows = rows_of(ZHANG_SAN)
    rows += [[None] * 11, ["", " ", "　"], [*[None] * 11, "制表人：李会计"]]
    rows += rows_of({**LI_MEI, GENDER: "未知"})[1:]

    # When it is parsed
    roster = parse_roster(xlsx_file(rows), "roster.xlsx")

    # Then only the two people are read, and the problem names the row Excel shows
    assert roster.row_count == 2
    assert problems_of(roster) == [(6, "性别", "Gender must be 男 or 女, not 未知.")]


# Normalising what people type -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        datetime(1965, 3, 16),  # noqa: DTZ001
        date(1965, 3, 16),
        23817,
        23817.0,
        19650316,
        "1965-03-16",
        "1965-3-16",
        "1965/3/16",
        "1965.3.16",
        "1965年3月16日",
        "1965 年 3 月 16 日",
        "19650316",
        "１９６５－０３－１６",
        "1965-03-16 00:00:00",
        "",
        None,
    ],
)
def test_reads_birth_dates_in_the_forms_people_type(typed):
    roster = parse_people({**ZHANG_SAN, BIRTH_DATE: typed})

    assert person_in_row(roster, 2).birth_date == date(1965, 3, 16)


def test_takes_a_blank_birth_date_and_gender_from_the_id_number():
    roster = parse_people(ZHANG_SAN, {**LI_MEI, BIRTH_DATE: None, GENDER: ""})

    person = person_in_row(roster, 3)
    assert (person.birth_date, person.gender) == (date(1967, 5, 20), Resident.Gender.FEMALE)


@pytest.mark.parametrize(
    ("typed", "id_number", "gender"),
    [
        ("男", ZHANG_SAN_ID, Resident.Gender.MALE),
        ("男性", ZHANG_SAN_ID, Resident.Gender.MALE),
        ("M", ZHANG_SAN_ID, Resident.Gender.MALE),
        ("m", ZHANG_SAN_ID, Resident.Gender.MALE),
        (" 男 ", ZHANG_SAN_ID, Resident.Gender.MALE),
        ("女", WANG_FANG_ID, Resident.Gender.FEMALE),
        ("女性", WANG_FANG_ID, Resident.Gender.FEMALE),
        ("F", WANG_FANG_ID, Resident.Gender.FEMALE),
        ("ｆ", WANG_FANG_ID, Resident.Gender.FEMALE),
    ],
)
def test_reads_gender_spellings(typed, id_number, gender):
    roster = parse_people({**ZHANG_SAN, GENDER: typed, ID_NUMBER: id_number, BIRTH_DATE: None})

    assert person_in_row(roster, 2).gender == gender


YES_NO_SPELLINGS = [
    ("是", True),
    ("否", False),
    ("Y", True),
    ("N", False),
    ("y", True),
    ("n", False),
    ("√", True),
    ("×", False),
    ("1", True),
    ("0", False),
    (1, True),
    (0, False),
    ("true", True),
    ("FALSE", False),
    (True, True),
    (False, False),
    ("　是　", True),
]


@pytest.mark.parametrize(("typed", "party_member"), [*YES_NO_SPELLINGS, ("", False), (None, False)])
def test_reads_party_member_spellings_and_blank_means_no(typed, party_member):
    roster = parse_people({**ZHANG_SAN, PARTY_MEMBER: typed})

    assert person_in_row(roster, 2).party_member is party_member


@pytest.mark.parametrize(
    ("typed", "at_home"),
    [
        *YES_NO_SPELLINGS,
        ("在家", True),
        ("外出", False),
        ("外出务工", False),
        ("不在家", False),
        ("", True),
        (None, True),
    ],
)
def test_reads_at_home_spellings_and_blank_means_at_home(typed, at_home):
    roster = parse_people({**ZHANG_SAN, AT_HOME: typed})

    assert person_in_row(roster, 2).at_home is at_home


RELATION_SPELLINGS = [
    *[(spelling, Resident.Relation.SPOUSE) for spelling in ["配偶", "妻", "妻子", "夫", "丈夫"]],
    *[
        (spelling, Resident.Relation.CHILD)
        for spelling in [
            "子",
            "女",
            "儿子",
            "女儿",
            "长子",
            "次子",
            "长女",
            "次女",
            "独生子",
            "独生女",
        ]
    ],
    ("儿媳", Resident.Relation.CHILD_IN_LAW),
    ("女婿", Resident.Relation.CHILD_IN_LAW),
    *[
        (spelling, Resident.Relation.GRANDCHILD)
        for spelling in ["孙子", "孙女", "外孙子", "外孙女"]
    ],
    *[(spelling, Resident.Relation.PARENT) for spelling in ["父亲", "母亲", "父", "母"]],
    *[
        (spelling, Resident.Relation.GRANDPARENT)
        for spelling in ["祖父", "祖母", "外祖父", "外祖母"]
    ],
    *[
        (spelling, Resident.Relation.SIBLING)
        for spelling in ["兄", "弟", "姐", "妹", "兄弟", "姐妹"]
    ],
    ("其他", Resident.Relation.OTHER),
    (" 其 他 ", Resident.Relation.OTHER),
]


@pytest.mark.parametrize(("typed", "relation"), RELATION_SPELLINGS)
def test_reads_relation_spellings(typed, relation):
    roster = parse_people(ZHANG_SAN, {**LI_MEI, RELATION: typed})

    assert person_in_row(roster, 3).relation == relation


@pytest.mark.parametrize("typed", ["户主", "本人"])
def test_reads_head_spellings(typed):
    roster = parse_people({**ZHANG_SAN, RELATION: typed})

    assert person_in_row(roster, 2).relation == Resident.Relation.HEAD


@pytest.mark.parametrize(
    ("typed", "number", "name"),
    [
        ("一组", 1, "第一组"),
        ("1组", 1, "第一组"),
        ("第3组", 3, "第三组"),
        ("第三组", 3, "第三组"),
        ("第三村民小组", 3, "第三组"),
        ("三小组", 3, "第三组"),
        ("3社", 3, "第三组"),
        ("3", 3, "第三组"),
        (3, 3, "第三组"),
        (3.0, 3, "第三组"),
        ("十组", 10, "第十组"),
        ("第十一组", 11, "第十一组"),
        ("二十", 20, "第二十组"),
        ("二十三组", 23, "第二十三组"),
        ("九十九组", 99, "第九十九组"),
        ("第 1 2 组", 12, "第十二组"),
        ("１２组", 12, "第十二组"),
    ],
)
def test_reads_group_spellings_as_a_number_and_a_canonical_name(typed, number, name):
    roster = parse_people({**ZHANG_SAN, GROUP: typed})

    assert problems_of(roster) == []
    (household,) = roster.households
    assert (household.group_number, household.group_name) == (number, name)


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (1, "第一组"),
        (2, "第二组"),
        (9, "第九组"),
        (10, "第十组"),
        (11, "第十一组"),
        (19, "第十九组"),
        (20, "第二十组"),
        (21, "第二十一组"),
        (99, "第九十九组"),
    ],
)
def test_group_name_for_writes_chinese_numerals(number, name):
    assert group_name_for(number) == name


@pytest.mark.parametrize("number", [0, 100, -1])
def test_group_name_for_refuses_numbers_outside_1_to_99(number):
    with pytest.raises(ValueError, match=f"Group number {number} is outside 1–99."):
        group_name_for(number)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("张 三", "张三"),
        ("　张　三　", "张三"),
        ("阿依·买买提", "阿依·买买提"),
        ("阿依 · 买买提", "阿依·买买提"),
        ("阿依•买买提", "阿依·买买提"),
        ("阿依・买买提", "阿依·买买提"),
        ("张" * 30, "张" * 30),
    ],
)
def test_names_lose_their_spaces_and_keep_the_middle_dot(typed, name):
    roster = parse_people({**ZHANG_SAN, NAME: typed, HEAD_NAME: typed})

    assert person_in_row(roster, 2).name == name
    assert roster.households[0].head_name == name


@pytest.mark.parametrize(
    ("typed", "door_plate"),
    [(" 幸福路  12号 ", "幸福路 12号"), ("１２号", "12号"), (12, "12"), (12.0, "12")],
)
def test_door_plates_are_trimmed_and_their_spaces_collapsed(typed, door_plate):
    roster = parse_people({**ZHANG_SAN, DOOR_PLATE: typed})

    assert problems_of(roster) == []
    assert roster.households[0].door_plate == door_plate


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (13812345678, "13812345678"),
        (1.3812345678e10, "13812345678"),
        ("19912345678", "19912345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_reads_mobile_numbers_as_people_type_them(typed, phone):
    roster = parse_people({**ZHANG_SAN, PHONE: typed})

    assert person_in_row(roster, 2).phone == phone


def test_two_people_may_share_a_phone_number():
    roster = parse_people({**ZHANG_SAN, PHONE: "13812345678"}, {**LI_MEI, PHONE: "138 1234 5678"})

    assert problems_of(roster) == []
    assert [person.phone for person in roster.households[0].people] == ["13812345678"] * 2


@pytest.mark.parametrize(
    ("typed", "id_number"),
    [
        (ZHANG_XIAOMING_ID.lower(), ZHANG_XIAOMING_ID),
        ("510681 19900101 305x", ZHANG_XIAOMING_ID),
        ("510681-19900101-305X", ZHANG_XIAOMING_ID),
        ("５１０６８１１９９００１０１３０５ｘ", ZHANG_XIAOMING_ID),
    ],
)
def test_reads_id_numbers_as_people_type_them(typed, id_number):
    assert id_number.endswith("X")

    roster = parse_people({**ZHANG_SAN, ID_NUMBER: typed, GENDER: None, BIRTH_DATE: None})

    assert person_in_row(roster, 2).id_number == id_number


def test_reads_an_id_number_that_openpyxl_hands_over_as_an_exact_integer():
    # Given a workbook from a program that stores all 18 digits in a number cell (openpyxl itself
    # would round them, as Excel does)
    workbook = xlsx_file(rows_of({**ZHANG_SAN, ID_NUMBER: int(ZHANG_SAN_ID)}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    f"<v>{float(ZHANG_SAN_ID)}</v>".encode(), f"<v>{ZHANG_SAN_ID}</v>".encode()
                )
            target.writestr(item, content)

    # When it is parsed
    roster = parse_roster(buffer.getvalue(), "roster.xlsx")

    # Then the integer is the ID number
    assert person_in_row(roster, 2).id_number == ZHANG_SAN_ID


# Problems in one row ----------------------------------------------------------------------------


def test_reports_an_id_number_that_excel_stored_as_a_number():
    # Given an ID number typed into a number cell: Excel keeps 15 digits
    roster = parse_people({**ZHANG_SAN, ID_NUMBER: float(ZHANG_SAN_ID)})

    assert problems_of(roster) == [(2, "身份证号", EXCEL_NUMBER)]
    assert roster.households == []
    assert not roster.is_valid


def test_reports_an_id_number_that_went_through_excel_into_a_csv_file():
    rows = rows_of({**ZHANG_SAN, ID_NUMBER: "5.10681E+17"})

    roster = parse_roster(csv_file(rows), "roster.csv")

    assert problems_of(roster) == [(2, "身份证号", EXCEL_NUMBER)]


WRONG_FORMAT = "The ID number must be 18 characters: 17 digits, then a digit or X."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This cell is required."),
        (ZHANG_SAN_ID[:17], WRONG_FORMAT),
        (ZHANG_SAN_ID + "1", WRONG_FORMAT),
        (ZHANG_SAN_ID[:17] + "Y", WRONG_FORMAT),
        ("51068119650316301X", "The ID number's check digit is wrong."),
        (make_id_number("19650230", "301"), "The birth date in the ID number is not a real date."),
    ],
)
def test_reports_a_wrong_id_number(typed, message):
    roster = parse_people({**ZHANG_SAN, ID_NUMBER: typed})

    assert problems_of(roster) == [(2, "身份证号", message)]


@time_machine.travel(datetime(2026, 5, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_reports_an_id_number_whose_birth_date_is_in_the_future():
    # Given, on 1 May 2026 (China time), a baby born today and one "born" tomorrow
    born_today = {**ZHANG_SAN, ID_NUMBER: make_id_number("20260501", "301"), BIRTH_DATE: None}
    born_tomorrow = {**LI_MEI, ID_NUMBER: make_id_number("20260502", "302"), BIRTH_DATE: None}

    roster = parse_people(born_today, born_tomorrow)

    assert problems_of(roster) == [
        (3, "身份证号", "The birth date in the ID number is in the future.")
    ]


def test_reports_a_birth_date_that_does_not_match_the_id_number():
    roster = parse_people({**ZHANG_SAN, BIRTH_DATE: "1965年3月12日"})

    message = "Birth date 1965-03-12 does not match the ID number (1965-03-16)."
    assert problems_of(roster) == [(2, "出生日期", message)]


def test_reports_a_gender_that_does_not_match_the_id_number():
    roster = parse_people({**ZHANG_SAN, GENDER: "F"})

    assert problems_of(roster) == [(2, "性别", "Gender 女 does not match the ID number (男).")]


UNKNOWN_RELATION = (
    "Unknown relation %s: write 户主, 配偶, 儿子, 女儿, 儿媳, 女婿, 孙子, 孙女, 父亲, 母亲, 祖父, "
    "祖母, 兄弟, 姐妹 or 其他."
)


@pytest.mark.parametrize(
    ("column", "typed", "message"),
    [
        (GENDER, "未知", "Gender must be 男 or 女, not 未知."),
        (BIRTH_DATE, "1965-13-01", "1965-13-01 is not a date: write it like 1965-03-12."),
        (BIRTH_DATE, "1965年2月30日", "1965年2月30日 is not a date: write it like 1965-03-12."),
        (BIRTH_DATE, "三月", "三月 is not a date: write it like 1965-03-12."),
        (RELATION, "表 哥", UNKNOWN_RELATION % "表哥"),
        (PARTY_MEMBER, "可能", "Write 是 or 否, not 可能."),
        (AT_HOME, "偶尔", "Write 是 or 否, not 偶尔."),
        (GROUP, "甲组", "甲组 is not a group from 1 to 99 (write 3 or 第三组)."),
        (GROUP, "第零组", "第零组 is not a group from 1 to 99 (write 3 or 第三组)."),
        (GROUP, "0组", "0组 is not a group from 1 to 99 (write 3 or 第三组)."),
        (GROUP, "100组", "100组 is not a group from 1 to 99 (write 3 or 第三组)."),
        (GROUP, "一百组", "一百组 is not a group from 1 to 99 (write 3 or 第三组)."),
        (GROUP, "十十组", "十十组 is not a group from 1 to 99 (write 3 or 第三组)."),
        (
            PHONE,
            "1381234567",
            "1381234567 is not a mobile number (11 digits starting with 13 to 19).",
        ),
        (
            PHONE,
            "12812345678",
            "12812345678 is not a mobile number (11 digits starting with 13 to 19).",
        ),
        (
            PHONE,
            "028-8765 4321",
            "028-8765 4321 is not a mobile number (11 digits starting with 13 to 19).",
        ),
    ],
)
def test_reports_a_cell_it_cannot_read(column, typed, message):
    roster = parse_people({**ZHANG_SAN, column: typed})

    assert problems_of(roster) == [(2, column, message)]


@pytest.mark.parametrize("column", [GROUP, DOOR_PLATE, HEAD_NAME, NAME, RELATION, ID_NUMBER])
def test_reports_a_required_cell_left_blank(column):
    roster = parse_people({**ZHANG_SAN, column: " "})

    assert problems_of(roster) == [(2, column, "This cell is required.")]


@pytest.mark.parametrize("column", [DOOR_PLATE, HEAD_NAME, NAME])
def test_reports_a_name_or_door_plate_longer_than_30_characters(column):
    roster = parse_people({**ZHANG_SAN, column: "张" * 31})

    assert problems_of(roster) == [(2, column, "This is longer than 30 characters.")]


def test_reports_every_problem_of_a_row_and_leaves_that_person_out():
    # Given a household whose second row has three problems
    roster = parse_people(ZHANG_SAN, {**LI_MEI, GENDER: "?", PHONE: "110", AT_HOME: "?"})

    # Then all three are reported, in column order, and only the readable person is kept
    assert problems_of(roster) == [
        (3, "性别", "Gender must be 男 or 女, not ?."),
        (3, "联系电话", "110 is not a mobile number (11 digits starting with 13 to 19)."),
        (3, "是否在家", "Write 是 or 否, not ?."),
    ]
    (household,) = roster.households
    assert [person.name for person in household.people] == ["张三"]
    assert not roster.is_valid


def test_problem_messages_stay_lazy_to_be_translated_when_shown():
    roster = parse_people({**ZHANG_SAN, GENDER: "?"})

    (problem,) = roster.problems
    assert isinstance(problem.message, Promise)


# Problems across rows ---------------------------------------------------------------------------


def test_reports_the_same_id_number_twice_on_the_later_row():
    # Given Li Mei listed again, by mistake, in Wang Fang's household
    li_mei_again: dict[str, object] = {
        **WANG_FANG,
        NAME: "李梅",
        RELATION: "其他",
        ID_NUMBER: LI_MEI_ID,
    }
    li_mei_again[BIRTH_DATE] = None

    roster = parse_people(ZHANG_SAN, LI_MEI, WANG_FANG, li_mei_again)

    assert problems_of(roster) == [(5, "身份证号", "Same ID number as row 3.")]


def test_reports_a_household_without_a_head_on_its_first_row():
    roster = parse_people(WANG_FANG, {**ZHANG_SAN, RELATION: "夫"}, LI_MEI)

    message = "Household 1号 has no row whose relation is 户主."
    assert problems_of(roster) == [(3, "与户主关系", message)]


def test_reports_no_missing_head_when_a_relation_could_not_be_read():
    roster = parse_people({**ZHANG_SAN, RELATION: "户 主 人"}, LI_MEI)

    assert problems_of(roster) == [(2, "与户主关系", UNKNOWN_RELATION % "户主人")]


def test_reports_a_second_head_in_a_household():
    roster = parse_people(ZHANG_SAN, {**LI_MEI, RELATION: "户主"})

    message = "Household 1号 already has a head in row 2."
    assert problems_of(roster) == [(3, "与户主关系", message)]


def test_reports_a_head_name_that_is_not_the_name_of_the_head_row():
    roster = parse_people({**ZHANG_SAN, HEAD_NAME: "张山"}, {**LI_MEI, HEAD_NAME: "张山"})

    message = "The head's name 张山 does not match 张三, the head in row 2."
    assert problems_of(roster) == [(2, "户主姓名", message), (3, "户主姓名", message)]


def test_reports_a_household_split_across_groups():
    zhang_xiaoming = {
        **ZHANG_SAN,
        GROUP: "2组",
        NAME: "张小明",
        RELATION: "子",
        ID_NUMBER: ZHANG_XIAOMING_ID,
        BIRTH_DATE: None,
    }

    roster = parse_people(ZHANG_SAN, {**LI_MEI, GROUP: "第一村民小组"}, zhang_xiaoming)

    message = "Group 第二组 differs from 第一组 in row 2 of the same household."
    assert problems_of(roster) == [(4, "组别", message)]


def test_sorts_problems_by_row():
    # Given problems found row by row (rows 3 and 5) and across rows (rows 2 and 4)
    roster = parse_people(
        {**ZHANG_SAN, RELATION: "子"},
        {**LI_MEI, GENDER: "?"},
        {**WANG_FANG, ID_NUMBER: ZHANG_SAN_ID, GENDER: None, BIRTH_DATE: None},
        {**WANG_FANG, DOOR_PLATE: "3号", PHONE: "1"},
    )

    assert [(problem.row, problem.column) for problem in roster.problems] == [
        (2, "与户主关系"),
        (3, "性别"),
        (4, "身份证号"),
        (5, "联系电话"),
    ]


# Problems with the file -------------------------------------------------------------------------


def test_reports_missing_headers_by_name():
    headers = tuple(header for header in ROSTER_HEADERS if header not in (PHONE, AT_HOME))
    rows = rows_of(ZHANG_SAN, headers=headers)

    roster = parse_roster(xlsx_file(rows), "roster.xlsx")

    message = "The header row is missing these columns: 联系电话、是否在家."
    assert problems_of(roster) == [(None, "", message)]
    assert (roster.households, roster.row_count, roster.is_valid) == ([], 0, False)


def test_looks_for_the_header_only_in_the_first_ten_rows():
    rows = [[f"说明 {number}"] for number in range(10)] + rows_of(ZHANG_SAN)

    roster = parse_roster(xlsx_file(rows), "roster.xlsx")

    assert problems_of(roster) == [(None, "", ALL_HEADERS_MISSING)]


def test_finds_the_roster_on_a_later_sheet():
    # Given a workbook whose first sheet holds instructions
    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.append(["填表说明：身份证号列请设为文本格式"])
    roster_sheet = workbook.create_sheet("花名册")
    for row in rows_of(ZHANG_SAN):
        roster_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    roster = parse_roster(buffer.getvalue(), "roster.xlsx")

    assert person_in_row(roster, 2).name == "张三"


def test_reports_a_roster_with_a_header_but_no_rows():
    roster = parse_roster(xlsx_file(rows_of()), "roster.xlsx")

    assert problems_of(roster) == [(None, "", "The roster has no data rows below the header.")]
    assert roster.row_count == 0


@pytest.mark.parametrize("filename", ["roster.xlsx", "roster.csv"])
def test_reports_an_empty_file(filename):
    roster = parse_roster(b"", filename)

    assert problems_of(roster) == [(None, "", "The file is empty.")]


def test_reports_an_empty_workbook_as_missing_every_header():
    roster = parse_roster(xlsx_file([]), "roster.xlsx")

    assert problems_of(roster) == [(None, "", ALL_HEADERS_MISSING)]


NOT_A_WORKBOOK = (
    "This file could not be read as an Excel workbook (.xlsx). If it is an old .xls file, open "
    "it in Excel and save it as .xlsx."
)


def test_reports_garbage_bytes_named_xlsx():
    roster = parse_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really a workbook", "roster.xlsx")

    assert problems_of(roster) == [(None, "", NOT_A_WORKBOOK)]


def test_reports_a_zip_file_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff")

    roster = parse_roster(buffer.getvalue(), "roster.xlsx")

    assert problems_of(roster) == [(None, "", NOT_A_WORKBOOK)]


def test_reports_a_csv_file_in_neither_utf8_nor_gb18030():
    roster = parse_roster(b"\xff\xff\xff\xff", "roster.csv")

    message = "This CSV file is neither UTF-8 nor GB18030 (GBK) text."
    assert problems_of(roster) == [(None, "", message)]


def test_reports_a_csv_file_without_the_header():
    roster = parse_roster("名字,电话\n张三,138\n".encode(), "roster.csv")

    assert problems_of(roster) == [(None, "", ALL_HEADERS_MISSING)]


@pytest.mark.parametrize("filename", ["roster.xls", "roster.pdf", "roster"])
def test_reports_a_file_that_is_neither_xlsx_nor_csv(filename):
    roster = parse_roster(b"anything", filename)

    message = "Upload the roster as an Excel workbook (.xlsx) or a CSV file (.csv)."
    assert problems_of(roster) == [(None, "", message)]


# Progress ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row_count", "calls"),
    [(450, [(200, 450), (400, 450), (450, 450)]), (400, [(200, 400), (400, 400)]), (1, [(1, 1)])],
)
def test_reports_progress_every_200_rows_and_at_the_end(row_count, calls):
    # Given one single-person household per row, each with its own ID number
    people = [
        {
            **ZHANG_SAN,
            DOOR_PLATE: f"{number}号",
            ID_NUMBER: make_id_number("19650316", f"{number:03}"),
        }
        for number in range(1, row_count + 1)
    ]
    people = [{**person, GENDER: None} for person in people]
    reported = []

    roster = parse_roster(
        csv_file(rows_of(*people)),
        "roster.csv",
        progress=lambda done, total: reported.append((done, total)),
    )

    assert problems_of(roster) == []
    assert len(roster.households) == row_count
    assert reported == calls
