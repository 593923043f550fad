"""Accounts (log in with a phone number) and the roles they hold at places."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Grid, Place, Resident


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(phone=phone, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    phone = models.CharField(_("phone"), max_length=11, unique=True)
    name = models.CharField(_("name"), max_length=30)
    resident = models.OneToOneField(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    VILLAGER = "villager", _("Villager")
    HOUSEHOLD_HEAD = "household_head", _("Household head")
    GRID_MEMBER = "grid_member", _("Grid member")
    SECRETARY = "secretary", _("Party secretary")
    COMMITTEE_MEMBER = "committee_member", _("Village committee member")
    SUPERVISOR = "supervisor", _("Supervisory committee member")
    REPRESENTATIVE = "representative", _("Villager representative")
    STORE_KEEPER = "store_keeper", _("Supermarket keeper")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    TOWNSHIP_ADMIN = "township_admin", _("Township admin")
    COUNTY_ADMIN = "county_admin", _("County admin")
    BANK_OFFICER = "bank_officer", _("Bank officer")


# The kind of place at which each role is held.
ROLE_PLACE_KIND: dict[str, str] = {
    Role.VILLAGER: Place.Kind.VILLAGE,
    Role.HOUSEHOLD_HEAD: Place.Kind.VILLAGE,
    Role.GRID_MEMBER: Place.Kind.VILLAGE,
    Role.SECRETARY: Place.Kind.VILLAGE,
    Role.COMMITTEE_MEMBER: Place.Kind.VILLAGE,
    Role.SUPERVISOR: Place.Kind.VILLAGE,
    Role.REPRESENTATIVE: Place.Kind.VILLAGE,
    Role.STORE_KEEPER: Place.Kind.VILLAGE,
    Role.TOWNSHIP_OFFICER: Place.Kind.TOWNSHIP,
    Role.TOWNSHIP_ADMIN: Place.Kind.TOWNSHIP,
    Role.COUNTY_ADMIN: Place.Kind.COUNTY,
    Role.BANK_OFFICER: Place.Kind.COUNTY,
}

VILLAGE_CADRE_ROLES = frozenset({Role.SECRETARY, Role.COMMITTEE_MEMBER})
HOUSEHOLD_ROLES = frozenset({Role.VILLAGER, Role.HOUSEHOLD_HEAD})


class RoleGrant(models.Model):
    """A role held by an account at a place. Revoked grants stay, for the record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="grants")
    # Only for grid members: the grid they look after.
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "place"],
                condition=Q(revoked_at__isnull=True),
                name="grant_unique_active",
            ),
            models.CheckConstraint(
                name="grant_grid_only_for_grid_member",
                condition=Q(grid__isnull=True) | Q(role="grid_member"),
            ),
        ]
        indexes = [
            # Who holds which role in a place (role pages, reviewers of a village).
            models.Index(fields=["place", "role"], name="grant_place_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.place}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
