"""Reading a village roster spreadsheet (户籍花名册): parse, normalise and validate it row by row.

Pure: no database access. ``parse_roster`` turns the uploaded bytes into households and a list of
problems; the importer imports nothing unless there are no problems at all.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import PurePath
from typing import TYPE_CHECKING, TypeVar

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from jifen.places.idnumbers import birth_date_of, gender_of, has_valid_check_digit
from jifen.places.models import Resident

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

GROUP = "组别"
DOOR_PLATE = "门牌号"
HEAD_NAME = "户主姓名"
NAME = "姓名"
RELATION = "与户主关系"
GENDER = "性别"
ID_NUMBER = "身份证号"
BIRTH_DATE = "出生日期"
PHONE = "联系电话"
PARTY_MEMBER = "是否党员"
AT_HOME = "是否在家"

# In the order the export writes them; an upload may have them in any order.
ROSTER_HEADERS = (
    GROUP,
    DOOR_PLATE,
    HEAD_NAME,
    NAME,
    RELATION,
    GENDER,
    ID_NUMBER,
    BIRTH_DATE,
    PHONE,
    PARTY_MEMBER,
    AT_HOME,
)

HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 200
MAX_NAME_LENGTH = 30  # Resident.name
MAX_DOOR_PLATE_LENGTH = 30  # Household.door_plate

_CHINESE_DIGITS = "零一二三四五六七八九"
_GENDER_WORDS: dict[str, str] = {Resident.Gender.MALE: "男", Resident.Gender.FEMALE: "女"}

_RELATIONS = {
    **dict.fromkeys(["户主", "本人"], Resident.Relation.HEAD),
    **dict.fromkeys(["配偶", "妻", "妻子", "夫", "丈夫"], Resident.Relation.SPOUSE),
    **dict.fromkeys(
        ["子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女", "独生子", "独生女"],
        Resident.Relation.CHILD,
    ),
    **dict.fromkeys(["儿媳", "女婿"], Resident.Relation.CHILD_IN_LAW),
    **dict.fromkeys(["孙子", "孙女", "外孙子", "外孙女"], Resident.Relation.GRANDCHILD),
    **dict.fromkeys(["父亲", "母亲", "父", "母"], Resident.Relation.PARENT),
    **dict.fromkeys(["祖父", "祖母", "外祖父", "外祖母"], Resident.Relation.GRANDPARENT),
    **dict.fromkeys(["兄", "弟", "姐", "妹", "兄弟", "姐妹"], Resident.Relation.SIBLING),
    "其他": Resident.Relation.OTHER,
}
_GENDERS = {
    **dict.fromkeys(["男", "男性", "m"], Resident.Gender.MALE),
    **dict.fromkeys(["女", "女性", "f"], Resident.Gender.FEMALE),
}
_YES_NO = {
    **dict.fromkeys(["是", "y", "√", "1", "true"], True),
    **dict.fromkeys(["否", "n", "×", "0", "false"], False),
}
_AT_HOME = {**_YES_NO, "在家": True, "外出": False, "外出务工": False, "不在家": False}

_GROUP_PATTERN = re.compile(r"第?([0-9]+|[一二三四五六七八九十]+)(?:村民小组|小组|组|社)?")
_CHINESE_NUMBER = re.compile(r"(?:([一二三四五六七八九]?)(十))?([一二三四五六七八九]?)")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
# A date that went through Excel and back to CSV may carry a midnight time: "1965-03-12 0:00".
_TRAILING_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")
# What Excel shows for a long number it has already rounded: 5.10681E+17.
_SCIENTIFIC_NOTATION = re.compile(r"\d+(\.\d+)?e\+?\d+", re.IGNORECASE)
_ID_PATTERN = re.compile(r"\d{17}[\dX]")
_MOBILE_PATTERN = re.compile(r"1[3-9]\d{9}")
# Bullets and Japanese dots people type for the middle dot of minority names (阿依·买买提).
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("•・‧∙", "·"))


@dataclass(frozen=True)
class RosterProblem:
    row: int | None  # spreadsheet row number as Excel shows it; None for a file-level problem
    column: str  # Chinese header, or "" for a row-level or file-level problem
    message: StrOrPromise


@dataclass(frozen=True)
class RosterPerson:
    row: int
    name: str
    gender: str
    birth_date: date
    id_number: str
    phone: str
    party_member: bool
    relation: str
    at_home: bool


@dataclass(frozen=True)
class RosterHousehold:
    door_plate: str
    group_number: int
    group_name: str
    head_name: str
    first_row: int
    people: tuple[RosterPerson, ...]

    @property
    def at_home(self) -> bool:
        return any(person.at_home for person in self.people)


@dataclass
class ParsedRoster:
    households: list[RosterHousehold]
    problems: list[RosterProblem]
    row_count: int

    @property
    def is_valid(self) -> bool:
        return not self.problems


def group_name_for(number: int) -> str:
    """第一组 … 第十组, 第十一组 … 第九十九组: how villages write a group's name."""
    if not 1 <= number <= 99:
        raise ValueError(f"Group number {number} is outside 1–99.")
    tens, ones = divmod(number, 10)
    numeral = (_CHINESE_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "")
    numeral += _CHINESE_DIGITS[ones] if ones else ""
    return f"第{numeral}组"


def parse_roster(
    data: bytes, filename: str, *, progress: Callable[[int, int], None] | None = None
) -> ParsedRoster:
    try:
        table = _read_table(data, filename)
        header_index, columns = _find_header(table)
        if missing := _missing_headers(columns):
            message = _("The header row is missing these columns: %(missing)s.")
            raise _Invalid(_say(message, missing="、".join(missing)))
    except _Invalid as error:
        problem = RosterProblem(row=None, column="", message=error.message)
        return ParsedRoster(households=[], problems=[problem], row_count=0)

    data_rows = []
    for number, cells in enumerate(table[header_index + 1 :], start=header_index + 2):
        values = {
            header: cells[column] if column < len(cells) else None
            for header, column in columns.items()
        }
        # Blank in every roster column: an empty row, or a note beside the table.
        if any(_text(value) for value in values.values()):
            data_rows.append((number, values))

    problems: list[RosterProblem] = []
    if not data_rows:
        problems.append(RosterProblem(None, "", _("The roster has no data rows below the header.")))
    rows = []
    for done, (number, values) in enumerate(data_rows, start=1):
        rows.append(_parse_row(number, values, problems))
        if progress and done % PROGRESS_EVERY == 0 and done != len(data_rows):
            progress(done, len(data_rows))
    problems.extend(_check_across_rows(rows))
    problems.sort(key=lambda problem: (problem.row is not None, problem.row or 0))
    if progress:
        progress(len(data_rows), len(data_rows))
    return ParsedRoster(households=_households(rows), problems=problems, row_count=len(rows))


class _Invalid(Exception):
    """A file or a cell that cannot be read; ``message`` says why, for the cadre."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(message)
        self.message = message


# Reading the file -------------------------------------------------------------------------------


def _read_table(data: bytes, filename: str) -> list[Sequence[object]]:
    if not data:
        raise _Invalid(_("The file is empty."))
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return _read_csv(data)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data)
    raise _Invalid(_("Upload the roster as an Excel workbook (.xlsx) or a CSV file (.csv)."))


def _read_csv(data: bytes) -> list[Sequence[object]]:
    # Excel in China saves "CSV" in GBK (a subset of GB18030), and "CSV UTF-8" with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Invalid(_("This CSV file is neither UTF-8 nor GB18030 (GBK) text."))
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise _Invalid(_("This file could not be read as CSV.")) from error


def _read_xlsx(data: bytes) -> list[Sequence[object]]:
    """The rows of the first sheet that has the header row (or of the first sheet, if none has)."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = workbook.worksheets
            chosen = sheets[0] if sheets else None
            for sheet in sheets:
                # Some programs write a wrong sheet size, which would cut rows off.
                sheet.reset_dimensions()
                top = list(islice(sheet.iter_rows(values_only=True), HEADER_SEARCH_ROWS))
                if not _missing_headers(_find_header(top)[1]):
                    chosen = sheet
                    break
            return list(chosen.iter_rows(values_only=True)) if chosen is not None else []
        finally:
            workbook.close()
    except Exception as error:  # openpyxl raises all kinds of errors on a damaged or foreign file.
        message = _(
            "This file could not be read as an Excel workbook (.xlsx). If it is an old .xls file, "
            "open it in Excel and save it as .xlsx."
        )
        raise _Invalid(message) from error


def _find_header(table: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]]:
    """The header row's index and the column of each header in it: the first complete header row
    among the first rows, else the row with the most headers (to name the missing ones)."""
    best: tuple[int, dict[str, int]] = (0, {})
    for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for column, cell in enumerate(cells):
            # Templates mark required columns: 姓名*, *姓名, 姓名（必填）.
            header = _compact(cell).removesuffix("(必填)").strip("*")
            if header in ROSTER_HEADERS:
                columns.setdefault(header, column)
        if not _missing_headers(columns):
            return index, columns
        if len(columns) > len(best[1]):
            best = (index, columns)
    return best


def _missing_headers(columns: dict[str, int]) -> list[str]:
    return [header for header in ROSTER_HEADERS if header not in columns]


# One row ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """What the checks across rows need, and the person if the row itself had no problem."""

    number: int
    door_plate: str
    head_name: str
    name: str
    group_number: int | None
    relation: str | None
    id_number: str
    person: RosterPerson | None


_T = TypeVar("_T")


def _parse_row(number: int, values: dict[str, object], problems: list[RosterProblem]) -> _Row:
    problems_before = len(problems)

    def report(column: str, message: StrOrPromise) -> None:
        problems.append(RosterProblem(number, column, message))

    def parse(column: str, parser: Callable[[object], _T]) -> _T | None:
        try:
            return parser(values[column])
        except _Invalid as error:
            report(column, error.message)
            return None

    group_number = parse(GROUP, _parse_group)
    door_plate = parse(DOOR_PLATE, _parse_door_plate) or ""
    head_name = parse(HEAD_NAME, _parse_name) or ""
    name = parse(NAME, _parse_name) or ""
    relation = parse(RELATION, _parse_relation)
    gender = parse(GENDER, _parse_gender)
    id_number = parse(ID_NUMBER, _parse_id_number) or ""
    birth_date = parse(BIRTH_DATE, _parse_date)
    phone = parse(PHONE, _parse_phone)
    party_member = parse(PARTY_MEMBER, lambda value: _parse_yes_no(value, _YES_NO, blank=False))
    at_home = parse(AT_HOME, lambda value: _parse_yes_no(value, _AT_HOME, blank=True))

    if id_number:
        # Blank birth date and gender come from the ID number; given ones must agree with it.
        from_id = birth_date_of(id_number)
        if birth_date is not None and birth_date != from_id:
            message = _("Birth date %(given)s does not match the ID number (%(from_id)s).")
            report(BIRTH_DATE, _say(message, given=birth_date, from_id=from_id))
        birth_date = from_id
        if gender is not None and gender != gender_of(id_number):
            message = _("Gender %(given)s does not match the ID number (%(from_id)s).")
            from_id_gender = _GENDER_WORDS[gender_of(id_number)]
            report(GENDER, _say(message, given=_GENDER_WORDS[gender], from_id=from_id_gender))
        gender = gender_of(id_number)

    person = None
    if len(problems) == problems_before:
        # Each parser either returned a value or reported a problem.
        assert gender and birth_date and relation and phone is not None
        assert party_member is not None and at_home is not None
        person = RosterPerson(
            row=number,
            name=name,
            gender=gender,
            birth_date=birth_date,
            id_number=id_number,
            phone=phone,
            party_member=party_member,
            relation=relation,
            at_home=at_home,
        )
    return _Row(number, door_plate, head_name, name, group_number, relation, id_number, person)


def _text(value: object) -> str:
    """A cell as clean text: NFKC (full-width to ASCII), trimmed, inner whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _compact(value: object) -> str:
    return "".join(_text(value).split())


def _required(text: str) -> str:
    if not text:
        raise _Invalid(_("This cell is required."))
    return text


def _at_most(limit: int, text: str) -> str:
    if len(text) > limit:
        raise _Invalid(_say(_("This is longer than %(limit)s characters."), limit=limit))
    return text


def _parse_group(value: object) -> int:
    text = _required(_compact(value))
    number = 0
    if match := _GROUP_PATTERN.fullmatch(text):
        numeral = match.group(1)
        number = int(numeral) if numeral.isdigit() else _chinese_number(numeral)
    if not 1 <= number <= 99:
        raise _Invalid(
            _say(_("%(given)s is not a group from 1 to 99 (write 3 or 第三组)."), given=text)
        )
    return number


def _chinese_number(numeral: str) -> int:
    """一 … 九十九; 0 for anything else."""
    if not (match := _CHINESE_NUMBER.fullmatch(numeral)):
        return 0
    tens, ten, ones = match.groups(default="")
    # 十一 is 11 and 二十 is 20: a lone 十 is one ten, a missing last digit is zero.
    tens_value = _CHINESE_DIGITS.index(tens) if tens else int(bool(ten))
    ones_value = _CHINESE_DIGITS.index(ones) if ones else 0
    return tens_value * 10 + ones_value


def _parse_door_plate(value: object) -> str:
    return _at_most(MAX_DOOR_PLATE_LENGTH, _required(_text(value)))


def _parse_name(value: object) -> str:
    # Chinese names have no spaces ("张 三" is 张三); minority names keep their middle dot.
    return _at_most(MAX_NAME_LENGTH, _required(_compact(value).translate(_MIDDLE_DOTS)))


def _parse_relation(value: object) -> str:
    text = _required(_compact(value))
    if text not in _RELATIONS:
        message = _(
            "Unknown relation %(given)s: write 户主, 配偶, 儿子, 女儿, 儿媳, 女婿, 孙子, 孙女, "
            "父亲, 母亲, 祖父, 祖母, 兄弟, 姐妹 or 其他."
        )
        raise _Invalid(_say(message, given=text))
    return _RELATIONS[text]


def _parse_gender(value: object) -> str | None:
    """None when blank: the ID number says."""
    text = _compact(value)
    if text and text.lower() not in _GENDERS:
        raise _Invalid(_say(_("Gender must be 男 or 女, not %(given)s."), given=text))
    return _GENDERS[text.lower()] if text else None


def _parse_id_number(value: object) -> str:
    text = _required(re.sub(r"[\s-]", "", _text(value)).upper())
    # Excel keeps 15 significant digits: an ID number typed into a number cell is already wrong.
    if isinstance(value, float) or _SCIENTIFIC_NOTATION.fullmatch(text):
        message = _(
            "The ID number was stored as a number by Excel and has lost digits; format the "
            "column as text and type the number again."
        )
        raise _Invalid(message)
    if not _ID_PATTERN.fullmatch(text):
        raise _Invalid(_("The ID number must be 18 characters: 17 digits, then a digit or X."))
    if not has_valid_check_digit(text):
        raise _Invalid(_("The ID number's check digit is wrong."))
    birth_date = birth_date_of(text)
    if birth_date is None:
        raise _Invalid(_("The birth date in the ID number is not a real date."))
    if birth_date > timezone.localdate():
        raise _Invalid(_("The birth date in the ID number is in the future."))
    return text


def _parse_date(value: object) -> date | None:
    """None when blank: the ID number says."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial day number (1900 date system) in a cell not formatted as a date;
        # 19650312 typed as a number is too far in the future and is read as text below.
        with suppress(ValueError, OverflowError):
            if isinstance(converted := from_excel(value), datetime):
                return converted.date()
    text = _compact(_TRAILING_TIME.sub("", _text(value)))
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        if match := pattern.fullmatch(text):
            with suppress(ValueError):
                return date(*(int(part) for part in match.groups()))
    raise _Invalid(_say(_("%(given)s is not a date: write it like 1965-03-12."), given=text))


def _parse_phone(value: object) -> str:
    """A mainland mobile number without +86, or "" when blank."""
    phone = re.sub(r"[\s-]", "", _text(value))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if phone and not _MOBILE_PATTERN.fullmatch(phone):
        message = _("%(given)s is not a mobile number (11 digits starting with 13 to 19).")
        raise _Invalid(_say(message, given=_text(value)))
    return phone


def _parse_yes_no(value: object, words: dict[str, bool], *, blank: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = _compact(value).lower()
    if text and text not in words:
        raise _Invalid(_say(_("Write 是 or 否, not %(given)s."), given=_compact(value)))
    return words[text] if text else blank


# Across rows ------------------------------------------------------------------------------------


def _by_door_plate(rows: list[_Row]) -> dict[str, list[_Row]]:
    households: dict[str, list[_Row]] = {}
    for row in rows:
        if row.door_plate:
            households.setdefault(row.door_plate, []).append(row)
    return households


def _check_across_rows(rows: list[_Row]) -> list[RosterProblem]:
    problems = []
    first_row_of_id: dict[str, int] = {}
    for row in rows:
        if row.id_number in first_row_of_id:
            message = _say(_("Same ID number as row %(row)s."), row=first_row_of_id[row.id_number])
            problems.append(RosterProblem(row.number, ID_NUMBER, message))
        elif row.id_number:
            first_row_of_id[row.id_number] = row.number
    for door_plate, members in _by_door_plate(rows).items():
        problems.extend(_check_household(door_plate, members))
    return problems


def _check_household(door_plate: str, members: list[_Row]) -> list[RosterProblem]:
    problems = []
    heads = [row for row in members if row.relation == Resident.Relation.HEAD]
    # If a relation could not be read, that row may be the head: its own problem says enough.
    if not heads and all(row.relation for row in members):
        message = _("Household %(door_plate)s has no row whose relation is 户主.")
        problems.append(
            RosterProblem(members[0].number, RELATION, _say(message, door_plate=door_plate))
        )
    for extra_head in heads[1:]:
        message = _("Household %(door_plate)s already has a head in row %(row)s.")
        params = {"door_plate": door_plate, "row": heads[0].number}
        problems.append(RosterProblem(extra_head.number, RELATION, _say(message, **params)))
    if heads and heads[0].name:
        head = heads[0]
        message = _("The head's name %(given)s does not match %(name)s, the head in row %(row)s.")
        for row in members:
            if row.head_name and row.head_name != head.name:
                params = {"given": row.head_name, "name": head.name, "row": head.number}
                problems.append(RosterProblem(row.number, HEAD_NAME, _say(message, **params)))
    grouped = [(row, row.group_number) for row in members if row.group_number]
    for row, group_number in grouped[1:]:
        first_row, first_group_number = grouped[0]
        if group_number != first_group_number:
            message = _(
                "Group %(given)s differs from %(first)s in row %(row)s of the same household."
            )
            params = {
                "given": group_name_for(group_number),
                "first": group_name_for(first_group_number),
                "row": first_row.number,
            }
            problems.append(RosterProblem(row.number, GROUP, _say(message, **params)))
    return problems


def _households(rows: list[_Row]) -> list[RosterHousehold]:
    """The households as far as their rows could be read: complete only if there is no problem."""
    households = []
    for door_plate, members in _by_door_plate(rows).items():
        people = tuple(row.person for row in members if row.person)
        group_number = next((row.group_number for row in members if row.group_number), None)
        if not people or group_number is None:
            continue
        head = next((row for row in members if row.relation == Resident.Relation.HEAD), None)
        households.append(
            RosterHousehold(
                door_plate=door_plate,
                group_number=group_number,
                group_name=group_name_for(group_number),
                head_name=head.name if head else members[0].head_name,
                first_row=members[0].number,
                people=people,
            )
        )
    return households


def _interpolate(template: StrOrPromise, params: dict[str, object]) -> str:
    return str(template) % params


# Problems are shown later, perhaps in another language: translate when shown, not when parsed.
_lazy_interpolate = lazy(_interpolate, str)


def _say(template: StrOrPromise, **params: object) -> StrOrPromise:
    return _lazy_interpolate(template, params)
