"""Places (county, township, village), villager groups, grids, households and residents.

The village is the tenant: every row below a village carries its ``village`` key, and every
index that serves a per-village query starts with it.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.places.idnumbers import mask_id_number, mask_phone


def new_public_token() -> str:
    # 128 random bits, URL-safe: unguessable, and short enough for a QR code a cheap phone reads.
    return secrets.token_urlsafe(16)


class Place(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # 12-digit statistical division code (统计用区划代码): 510681000000, 510681107000, 510681107201.
    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/<county code>/<township code>/<village code>/": every place under this one has a path
    # that starts with it, so a township or county is one indexed prefix query, never a loop.
    path = models.CharField(max_length=100, unique=True, editable=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="place_code_is_12_digits", condition=Q(code__regex=r"^[0-9]{12}$")
            ),
            models.CheckConstraint(
                name="place_county_has_no_parent",
                condition=~Q(kind="county") | Q(parent__isnull=True),
            ),
            models.CheckConstraint(
                name="place_below_county_has_parent",
                condition=Q(kind="county") | Q(parent__isnull=False),
            ),
        ]
        indexes = [
            # Villages of a township or county: kind + path prefix.
            models.Index(fields=["kind", "path"], name="place_kind_path"),
        ]

    def __str__(self) -> str:
        return self.name

    def contains(self, other: Place) -> bool:
        """Whether ``other`` is this place or lies below it."""
        return other.path.startswith(self.path)

    @property
    def is_village(self) -> bool:
        return self.kind == Place.Kind.VILLAGE


class VillagerGroup(models.Model):
    """A villager group (村民小组): the self-government unit of a village."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="villager_groups")
    name = models.CharField(max_length=30)
    number = models.PositiveSmallIntegerField(help_text="Order of the group in the village.")

    class Meta:
        ordering = ["village", "number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A grid (网格): an administrative overlay of a village, separate from its groups."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="grids")
    name = models.CharField(max_length=30)

    class Meta:
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="grid_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="households")
    group = models.ForeignKey(VillagerGroup, on_delete=models.PROTECT, related_name="households")
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    door_plate = models.CharField(_("door plate"), max_length=30)
    address = models.CharField(_("address"), max_length=120, blank=True)
    head = models.OneToOneField(
        "Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at_home = models.BooleanField(_("at home"), default=True)
    public_token = models.CharField(max_length=32, unique=True, default=new_public_token)
    token_rotated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village", "door_plate"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "door_plate"], name="household_unique_plate"
            ),
        ]

    def __str__(self) -> str:
        return self.door_plate


class Resident(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        CHILD_IN_LAW = "child_in_law", _("Child-in-law")
        GRANDCHILD = "grandchild", _("Grandchild")
        PARENT = "parent", _("Parent")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Brother or sister")
        OTHER = "other", _("Other relative")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="residents")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents")
    name = models.CharField(_("name"), max_length=30)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    # One person, one ID number, nationwide.
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    party_member = models.BooleanField(_("party member"), default=False)
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    at_home = models.BooleanField(_("at home"), default=True)

    class Meta:
        ordering = ["household", "id"]
        constraints = [
            models.CheckConstraint(
                name="resident_id_number_format",
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head"),
                name="resident_one_head_per_household",
            ),
        ]
        indexes = [
            # Registry search by name within a village.
            models.Index(fields=["village", "name"], name="resident_village_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class RosterUpload(models.Model):
    """A roster file a cadre uploaded: checked first, imported only when every row is valid."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked")
        REJECTED = "rejected", _("Has problems")
        IMPORTED = "imported", _("Imported")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="roster_uploads")
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    # What the check found and, once imported, what the import did (counts).
    report = models.JSONField(default=dict)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["village", "-uploaded_at"], name="upload_village_at")]

    def __str__(self) -> str:
        return self.filename
