"""Changes to the registry: roster imports and door-plate tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.audit.models import AuditEvent
from jifen.audit.services import build_event, record_event, snapshot
from jifen.core import generations
from jifen.ledger.ranking import register_households
from jifen.places.models import (
    Household,
    Place,
    Resident,
    RosterUpload,
    VillagerGroup,
    new_public_token,
)
from jifen.places.permissions import can_edit_registry
from jifen.places.roster import ParsedRoster, RosterHousehold, RosterProblem, parse_roster

RESIDENT_FIELDS = [
    "household",
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "party_member",
    "relation",
    "at_home",
]
HOUSEHOLD_FIELDS = ["door_plate", "group", "head", "at_home"]
# The parameter limit of old SQLite builds is 999; stay under it for IN (...) lists.
CHUNK = 900


@dataclass
class RosterPlan:
    """What importing a parsed roster into a village would do, or why it cannot."""

    problems: list[RosterProblem]
    households_added: int = 0
    households_changed: int = 0
    households_unchanged: int = 0
    residents_added: int = 0
    residents_changed: int = 0
    residents_unchanged: int = 0
    residents_not_in_file: int = 0
    # Existing rows by key, found while planning and reused when applying.
    _households: dict[str, Household] = field(default_factory=dict, repr=False)
    _residents: dict[str, Resident] = field(default_factory=dict, repr=False)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {
            "households_added": self.households_added,
            "households_changed": self.households_changed,
            "households_unchanged": self.households_unchanged,
            "residents_added": self.residents_added,
            "residents_changed": self.residents_changed,
            "residents_unchanged": self.residents_unchanged,
            "residents_not_in_file": self.residents_not_in_file,
        }


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def plan_roster_import(*, village: Place, roster: ParsedRoster) -> RosterPlan:
    """Compare a parsed roster with the registry: every problem, and the counts of changes."""
    plan = RosterPlan(problems=list(roster.problems))
    if not roster.is_valid:
        return plan

    plan._households = {
        h.door_plate: h for h in Household.objects.filter(village=village).select_related("group")
    }
    id_numbers = [p.id_number for h in roster.households for p in h.people]
    for chunk in _chunks(id_numbers):
        found = Resident.objects.filter(id_number__in=chunk).select_related("village", "household")
        plan._residents.update((registered.id_number, registered) for registered in found)

    for roster_household in roster.households:
        existing = plan._households.get(roster_household.door_plate)
        for person in roster_household.people:
            resident = plan._residents.get(person.id_number)
            if resident is None:
                plan.residents_added += 1
            elif resident.village_id != village.pk:
                plan.problems.append(
                    RosterProblem(
                        row=person.row,
                        column="身份证号",
                        message=_("This ID number is already registered in %(village)s.")
                        % {"village": resident.village.name},
                    )
                )
            elif _resident_changes(resident, person, existing):
                plan.residents_changed += 1
            else:
                plan.residents_unchanged += 1
        if existing is None:
            plan.households_added += 1
        elif _household_changes(existing, roster_household, plan._residents):
            plan.households_changed += 1
        else:
            plan.households_unchanged += 1

    in_file = set(id_numbers)
    registered = Resident.objects.filter(village=village).values_list("id_number", flat=True)
    plan.residents_not_in_file = sum(1 for number in registered if number not in in_file)
    plan.problems.sort(key=lambda p: (p.row or 0, p.column))
    return plan


def _household_at_home(roster_household: RosterHousehold) -> bool:
    return any(person.at_home for person in roster_household.people)


def _household_changes(
    household: Household, roster_household: RosterHousehold, residents: dict[str, Resident]
) -> bool:
    head = next(p for p in roster_household.people if p.relation == Resident.Relation.HEAD)
    head_resident = residents.get(head.id_number)
    return (
        head_resident is None
        or head_resident.pk != household.head_id
        or household.group.name != roster_household.group_name
        or household.at_home != _household_at_home(roster_household)
    )


def _resident_changes(
    resident: Resident, person: Any, household: Household | None
) -> dict[str, Any]:
    """The fields of ``resident`` that differ from the roster row, with their new values."""
    wanted = {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "phone": person.phone,
        "party_member": person.party_member,
        "relation": person.relation,
        "at_home": person.at_home,
    }
    changes = {name: value for name, value in wanted.items() if getattr(resident, name) != value}
    if household is None or resident.household_id != household.pk:
        changes["household"] = household
    return changes


@dataclass(frozen=True)
class ImportResult:
    upload: RosterUpload
    plan: RosterPlan


def check_roster_upload(
    *,
    actor: Actor | None,
    village: Place,
    filename: str,
    content: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Store an uploaded roster and check it completely; nothing in the registry changes."""
    if actor is not None and not can_edit_registry(actor, village):
        raise PermissionDenied(_("You may not import the roster of this village."))
    roster = parse_roster(content, filename, progress=progress)
    plan = plan_roster_import(village=village, roster=roster)
    with transaction.atomic():
        upload = RosterUpload.objects.create(
            village=village,
            uploaded_by=actor.user if actor else None,
            filename=filename[:200],
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            status=RosterUpload.Status.CHECKED if plan.is_valid else RosterUpload.Status.REJECTED,
            report={
                "rows": roster.row_count,
                "problems": [
                    {"row": p.row, "column": p.column, "message": str(p.message)}
                    for p in plan.problems
                ],
                "planned": plan.counts(),
            },
        )
        record_event(
            actor=actor,
            action="roster.check",
            obj=upload,
            village=village,
            after={
                "filename": upload.filename,
                "status": upload.status,
                "problems": len(plan.problems),
            },
        )
    return ImportResult(upload=upload, plan=plan)


def import_roster_upload(
    *,
    actor: Actor | None,
    upload: RosterUpload,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a checked roster into its village: all of it, or nothing if any row is invalid.

    The file is parsed and compared again inside the transaction, so that what is written
    matches the registry as it is now, not as it was when the cadre saw the preview.
    """
    village = upload.village
    if actor is not None and not can_edit_registry(actor, village):
        raise PermissionDenied(_("You may not import the roster of this village."))
    if upload.status != RosterUpload.Status.CHECKED:
        if upload.status == RosterUpload.Status.IMPORTED:
            raise ValidationError(_("This file was already imported."))
        raise ValidationError(_("This file has problems; correct it and upload it again."))
    roster = parse_roster(bytes(upload.content), upload.filename, progress=progress)
    with transaction.atomic():
        # One import per village at a time (a no-op on SQLite, where the transaction is IMMEDIATE).
        Place.objects.select_for_update().get(pk=village.pk)
        plan = plan_roster_import(village=village, roster=roster)
        if not plan.is_valid:
            raise ValidationError(
                _("The registry has changed since the file was checked; upload it again.")
            )
        events = _apply_roster(actor=actor, village=village, roster=roster, plan=plan)
        generations.move_on([village.pk])
        upload.status = RosterUpload.Status.IMPORTED
        upload.imported_at = timezone.now()
        upload.report = {**upload.report, "imported": plan.counts()}
        upload.save(update_fields=["status", "imported_at", "report"])
        events.append(
            build_event(
                actor=actor,
                action="roster.import",
                obj=upload,
                village=village,
                after=plan.counts(),
            )
        )
        AuditEvent.objects.bulk_create(events, batch_size=500)
    return ImportResult(upload=upload, plan=plan)


def _apply_roster(
    *, actor: Actor | None, village: Place, roster: ParsedRoster, plan: RosterPlan
) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    groups = {g.name: g for g in VillagerGroup.objects.filter(village=village)}
    for roster_household in roster.households:
        if roster_household.group_name not in groups:
            groups[roster_household.group_name] = VillagerGroup.objects.create(
                village=village,
                name=roster_household.group_name,
                number=roster_household.group_number,
            )

    # Households: create the new ones in bulk, update the others one by one.
    new_households = [
        Household(
            village=village,
            group=groups[h.group_name],
            door_plate=h.door_plate,
            at_home=_household_at_home(h),
        )
        for h in roster.households
        if h.door_plate not in plan._households
    ]
    Household.objects.bulk_create(new_households, batch_size=500)
    register_households(new_households)
    households = {**plan._households, **{h.door_plate: h for h in new_households}}
    created_plates = {h.door_plate for h in new_households}
    household_before = {
        plate: snapshot(h, HOUSEHOLD_FIELDS) for plate, h in plan._households.items()
    }

    # Residents. A head who steps down, or moves, stops being head first, so that the
    # one-head-per-household constraint holds after every statement.
    new_residents: list[Resident] = []
    updates: list[tuple[Resident, dict[str, Any]]] = []
    for roster_household in roster.households:
        household = households[roster_household.door_plate]
        for person in roster_household.people:
            resident = plan._residents.get(person.id_number)
            if resident is None:
                new_residents.append(
                    Resident(
                        village=village,
                        household=household,
                        name=person.name,
                        gender=person.gender,
                        birth_date=person.birth_date,
                        id_number=person.id_number,
                        phone=person.phone,
                        party_member=person.party_member,
                        relation=person.relation,
                        at_home=person.at_home,
                    )
                )
            elif changes := _resident_changes(resident, person, household):
                updates.append((resident, changes))
    # The registered head of a household in the file who is not in the file any more.
    in_file = {resident.pk for resident in plan._residents.values()}
    departed_head_ids = [
        plan._households[h.door_plate].head_id
        for h in roster.households
        if h.door_plate in plan._households
        and plan._households[h.door_plate].head_id not in in_file | {None}
    ]
    for head in Resident.objects.filter(pk__in=departed_head_ids):
        updates.append((head, {"relation": Resident.Relation.OTHER}))

    # Everyone who is head now and stops being head of that household steps down first.
    for resident, changes in updates:
        if resident.relation == Resident.Relation.HEAD and (
            "relation" in changes or "household" in changes
        ):
            Resident.objects.filter(pk=resident.pk).update(relation=Resident.Relation.OTHER)
            changes.setdefault("relation", resident.relation)
    # Then the others, heads last.
    updates.sort(
        key=lambda update: update[1].get("relation", update[0].relation) == Resident.Relation.HEAD
    )
    for resident, changes in updates:
        before = snapshot(resident, RESIDENT_FIELDS)
        for name, value in changes.items():
            setattr(resident, name, value)
        resident.save(update_fields=list(changes))
        events.append(
            build_event(
                actor=actor,
                action="resident.update",
                obj=resident,
                village=village,
                household=resident.household,
                before=before,
                after=snapshot(resident, RESIDENT_FIELDS),
            )
        )
    Resident.objects.bulk_create(new_residents, batch_size=500)
    for resident in new_residents:
        events.append(
            build_event(
                actor=actor,
                action="resident.create",
                obj=resident,
                village=village,
                household=resident.household,
                after=snapshot(resident, RESIDENT_FIELDS),
            )
        )

    # Heads, groups and at-home flags of the households in the file.
    head_ids = dict(
        Resident.objects.filter(
            household__in=[households[h.door_plate] for h in roster.households],
            relation=Resident.Relation.HEAD,
        ).values_list("household_id", "pk")
    )
    for roster_household in roster.households:
        household = households[roster_household.door_plate]
        household.head_id = head_ids.get(household.pk)
        household.group = groups[roster_household.group_name]
        household.at_home = _household_at_home(roster_household)
        after = snapshot(household, HOUSEHOLD_FIELDS)
        if household.door_plate in created_plates:
            Household.objects.filter(pk=household.pk).update(head_id=household.head_id)
            events.append(
                build_event(
                    actor=actor,
                    action="household.create",
                    obj=household,
                    village=village,
                    household=household,
                    after=after,
                )
            )
        elif after != household_before[household.door_plate]:
            household.save(update_fields=["head", "group", "at_home"])
            events.append(
                build_event(
                    actor=actor,
                    action="household.update",
                    obj=household,
                    village=village,
                    household=household,
                    before=household_before[household.door_plate],
                    after=after,
                )
            )
    return events


def create_place(
    *, actor: Actor | None, kind: str, code: str, name: str, parent: Place | None = None
) -> Place:
    """Add a county (no parent), a township (under a county) or a village (under a township)."""
    expected_parent = {
        Place.Kind.COUNTY: None,
        Place.Kind.TOWNSHIP: Place.Kind.COUNTY,
        Place.Kind.VILLAGE: Place.Kind.TOWNSHIP,
    }[Place.Kind(kind)]
    if (parent.kind if parent else None) != expected_parent:
        raise ValidationError(_("A place of this kind cannot be placed there."))
    if len(code) != 12 or not code.isdigit():
        raise ValidationError(_("A place code has 12 digits."))
    with transaction.atomic():
        place = Place.objects.create(
            kind=kind,
            code=code,
            name=name,
            parent=parent,
            path=f"{parent.path if parent else '/'}{code}/",
        )
        record_event(
            actor=actor,
            action="place.create",
            obj=place,
            village=place if place.is_village else None,
            after={"kind": kind, "code": code, "name": name},
        )
    return place


def rotate_household_token(*, actor: Actor, household: Household) -> Household:
    """Give a household a new QR token: the old door plate stops working at once."""
    if not can_edit_registry(actor, household.village):
        raise PermissionDenied(_("You may not change this household's door plate."))
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        household.public_token = new_public_token()
        household.token_rotated_at = timezone.now()
        household.save(update_fields=["public_token", "token_rotated_at"])
        generations.move_on([household.village_id])
        # The token itself is a secret of the door plate: the audit trail records the event only.
        record_event(
            actor=actor,
            action="household.rotate_token",
            obj=household,
            village=household.village,
            household=household,
            after={"token_rotated_at": household.token_rotated_at.isoformat()},
        )
    return household
