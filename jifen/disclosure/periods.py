"""Date arithmetic of the schedule: which period a day falls in, and when it is due."""

from __future__ import annotations

from datetime import date

from jifen.disclosure.models import Cadence, Kind

# When a village has set no schedule: party and village affairs quarterly by the 20th, finance
# monthly by the 15th of the month after the period (DOMAIN.md §7).
DEFAULT_SCHEDULE: dict[str, tuple[str, int]] = {
    Kind.PARTY: (Cadence.QUARTERLY, 20),
    Kind.VILLAGE: (Cadence.QUARTERLY, 20),
    Kind.FINANCE: (Cadence.MONTHLY, 15),
}
MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.YEARLY: 12}


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def bounds(cadence: str, day: date) -> tuple[date, date]:
    """The first and last day of the period of ``cadence`` that holds ``day``."""
    length = MONTHS[Cadence(cadence)]
    first_month = (day.month - 1) // length * length + 1
    starts_on = date(day.year, first_month, 1)
    following = add_months(starts_on, length)
    return starts_on, date.fromordinal(following.toordinal() - 1)


def due_date(ends_on: date, due_day: int) -> date:
    """Due on ``due_day`` of the month after the period ends."""
    return add_months(ends_on, 1).replace(day=due_day)


def previous_start(cadence: str, starts_on: date) -> date:
    return add_months(starts_on, -MONTHS[Cadence(cadence)])
