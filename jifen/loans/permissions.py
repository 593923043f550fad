"""Who may use the loan pages. Named predicates over the acting role.

A household (its head, or a villager of it) manages its own consents and applications. A bank
officer works for one bank, in the county where they hold the role, and sees a household only
through ``services.bank_view`` — that is, with the household's consent. The county admin runs
the county's partner banks: their officers, policies and API keys.
"""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.loans.models import Bank, BankOfficer
from jifen.places.models import Household, Place
from jifen.places.permissions import is_own_household


def can_use_loans(actor: Actor, household: Household) -> bool:
    """Consents, applications and the log of the banks' looks: the household itself."""
    return is_own_household(actor, household)


def is_officer_of(actor: Actor, bank: Bank) -> bool:
    """Acting as a bank officer in the bank's county, and working for that bank."""
    return (
        actor.acts_as_at([Role.BANK_OFFICER], bank.county)
        and BankOfficer.objects.filter(user=actor.user, bank=bank).exists()
    )


def can_manage_banks(actor: Actor, county: Place) -> bool:
    """Add banks to a county and run them: the county's admin."""
    return county.kind == Place.Kind.COUNTY and actor.acts_as_at([Role.COUNTY_ADMIN], county)


def can_manage_bank(actor: Actor, bank: Bank) -> bool:
    """Officers, policies and API keys of one bank: the admin of the bank's county."""
    return can_manage_banks(actor, bank.county)
