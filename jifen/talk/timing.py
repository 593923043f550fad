"""How long the village took to answer, in words a villager reads at a glance."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.talk.models import Matter

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def duration_text(seconds: int) -> str:
    """ "45 min" under an hour, "3 h 20 min" under two days, then whole days: "2 days"."""
    seconds = max(seconds, 0)
    if seconds < HOUR:
        return _("%(minutes)d min") % {"minutes": seconds // MINUTE}
    if seconds < 2 * DAY:
        return _("%(hours)d h %(minutes)d min") % {
            "hours": seconds // HOUR,
            "minutes": seconds % HOUR // MINUTE,
        }
    days = seconds // DAY
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def seconds_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


def reply_note(matter: Matter, now: datetime) -> str:
    """ "replied after 3 h 20 min", or "waiting 2 days" while no cadre has replied."""
    if matter.first_reply_at is not None:
        return _("replied after %(time)s") % {
            "time": duration_text(seconds_between(matter.raised_at, matter.first_reply_at))
        }
    return _("waiting %(time)s") % {"time": duration_text(seconds_between(matter.raised_at, now))}
