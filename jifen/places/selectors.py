"""Reads of the registry that are more than a get: one query each, whatever the size."""

from __future__ import annotations

from io import BytesIO

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from openpyxl import Workbook

from jifen.places.models import Household, Place, Resident
from jifen.places.roster import ROSTER_HEADERS


def _count_of(model: type[Household] | type[Resident], **outer: str) -> Coalesce:
    counts = (
        model.objects.filter(**{key: OuterRef(value) for key, value in outer.items()})
        .order_by()
        .values(*outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def villages_under(place: Place) -> QuerySet[Place]:
    """The villages below a township or county with their household and resident counts."""
    return (
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=place.path)
        .select_related("parent")
        .annotate(
            household_count=_count_of(Household, village="pk"),
            resident_count=_count_of(Resident, village="pk"),
            away_count=Coalesce(
                Subquery(
                    Household.objects.filter(village=OuterRef("pk"), at_home=False)
                    .order_by()
                    .values("village")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .order_by("parent__code", "code")
    )


def search_households(village: Place, query: str = "") -> QuerySet[Household]:
    """Households of a village by door plate or by the name of anyone living there."""
    households = (
        Household.objects.filter(village=village)
        .select_related("head", "group", "grid")
        .annotate(member_count=_count_of(Resident, household="pk"))
        .order_by("group__number", "door_plate")
    )
    query = query.strip()
    if query:
        named = Resident.objects.filter(household=OuterRef("pk"), name__contains=query)
        households = households.filter(Q(door_plate__icontains=query) | Exists(named))
    return households


# How a roster writes each relation, by the resident's gender: words the import reads back.
_RELATION_WORDS = {
    Resident.Relation.HEAD: ("户主", "户主"),
    Resident.Relation.SPOUSE: ("配偶", "配偶"),
    Resident.Relation.CHILD: ("儿子", "女儿"),
    Resident.Relation.CHILD_IN_LAW: ("女婿", "儿媳"),
    Resident.Relation.GRANDCHILD: ("孙子", "孙女"),
    Resident.Relation.PARENT: ("父亲", "母亲"),
    Resident.Relation.GRANDPARENT: ("祖父", "祖母"),
    Resident.Relation.SIBLING: ("兄弟", "姐妹"),
    Resident.Relation.OTHER: ("其他", "其他"),
}


def relation_word(relation: str, gender: str) -> str:
    male, female = _RELATION_WORDS[Resident.Relation(relation)]
    return male if gender == Resident.Gender.MALE else female


def roster_row(group: str, door_plate: str, head: str, resident: Resident) -> list[str]:
    """One resident's row of a roster, in the columns of ``ROSTER_HEADERS``."""
    return [
        group,
        door_plate,
        head,
        resident.name,
        relation_word(resident.relation, resident.gender),
        "男" if resident.gender == Resident.Gender.MALE else "女",
        resident.id_number,
        resident.birth_date.isoformat(),
        resident.phone,
        "是" if resident.party_member else "否",
        "是" if resident.at_home else "否",
    ]


def roster_workbook(village: Place) -> bytes:
    """The village roster as .xlsx, with the headers the import reads back."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="花名册")
    sheet.append(list(ROSTER_HEADERS))
    residents = (
        Resident.objects.filter(village=village)
        .select_related("household__group", "household__head")
        .order_by("household__group__number", "household__door_plate", "id")
    )
    for resident in residents.iterator(chunk_size=1000):
        household = resident.household
        head = household.head.name if household.head else ""
        sheet.append(roster_row(household.group.name, household.door_plate, head, resident))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
