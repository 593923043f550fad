"""The month a dashboard shows, read from ``?month=YYYY-MM``."""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 2000


def chosen_month(value: str | None, today: date) -> tuple[date, str]:
    """The first day of the month asked for, or of this month with the reason why not."""
    this_month = today.replace(day=1)
    if not value:
        return this_month, ""
    found = MONTH.match(value.strip())
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < FIRST_YEAR:
        return this_month, _(
            "“%(value)s” is not a month: write it as year-month, for example %(example)s. "
            "Showing this month instead."
        ) % {"value": value[:20], "example": f"{this_month:%Y-%m}"}
    month = date(int(found[1]), int(found[2]), 1)
    if month > this_month:
        return this_month, _(
            "There are no figures for a month after this one yet. Showing this month instead."
        )
    return month, ""
