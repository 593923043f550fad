"""A flag in words, with the statistic used, from the figures stored when it was computed."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jifen.accounts.models import Role
from jifen.fairness.models import Flag


def household_label(flag: Flag) -> str:
    household = flag.household
    if household is None:
        return ""
    head = household.head
    return f"{household.door_plate} {head.name}" if head else household.door_plate


def _closes(what: list[str]) -> str:
    parts = []
    for item in what:
        kind, _sep, name = item.partition(":")
        if kind == "ranking":
            parts.append(_("the ranking of %(year)s") % {"year": name})
        else:
            parts.append(_("the dividend round “%(title)s”") % {"title": name})
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s and %(last)s") % {
        "first": pgettext("list separator", ", ").join(parts[:-1]),
        "last": parts[-1],
    }


def _day(text: str) -> str:
    return date.fromisoformat(text).isoformat()


def explain(flag: Flag) -> str:
    f = flag.figures
    if flag.kind == Flag.Kind.CADRE_HOUSEHOLD:
        role = Role(f["role"]).label if f["role"] in Role.values else _("cadre")
        return _(
            "The household %(household)s of %(cadre)s (%(role)s) was posted %(points)s points "
            "from %(start)s to %(end)s. The village's other %(others)s households at home have "
            "a median of %(median)s points (median absolute deviation %(mad)s). That is "
            "%(gap)s points above the median and a modified z-score of %(z)s "
            "(0.6745 × the gap ÷ the deviation, counted as at least 1 point); the flag is "
            "raised from %(z_threshold)s with a gap of at least %(gap_threshold)s points."
        ) % {
            "household": household_label(flag),
            "cadre": f["cadre"] or _("a cadre"),
            "role": role,
            "points": f["points"],
            "start": flag.window_start.isoformat(),
            "end": flag.window_end.isoformat(),
            "others": f["others"],
            "median": f["median"],
            "mad": f["mad"],
            "gap": f["gap"],
            "z": f["z"],
            "z_threshold": f["z_threshold"],
            "gap_threshold": f["gap_threshold"],
        }
    if flag.kind == Flag.Kind.RECORDER_HOUSEHOLD:
        return _(
            "In the %(days)s days from %(start)s to %(end)s, %(recorder)s made %(made)s "
            "records adding points, for %(households)s households: an even spread would give "
            "each about %(expected)s. They made %(count)s for the household %(household)s. "
            "With an even spread, the chance of %(count)s or more is %(p)s (binomial test); "
            "the flag is raised from %(min_count)s records when the chance is below "
            "0.001 ÷ the %(pairs)s recorder and household pairs tested, that is %(level)s."
        ) % {
            "days": f["days"],
            "start": flag.window_start.isoformat(),
            "end": flag.window_end.isoformat(),
            "recorder": flag.recorder.name if flag.recorder else "",
            "made": f["made"],
            "households": f["households"],
            "expected": f["expected"],
            "count": f["count"],
            "household": household_label(flag),
            "p": f["p"],
            "min_count": f["min_count"],
            "pairs": f["pairs"],
            "level": f["level"],
        }
    if flag.kind == Flag.Kind.CLOSING_BURST:
        return _(
            "%(count)s records were made in the %(days)s days from %(start)s to %(end)s, "
            "just before %(closes)s closed on %(close)s. In the %(baseline_days)s days before "
            "that the village made %(baseline)s, so about %(expected)s were to be expected: "
            "%(ratio)s times as many. The chance of %(count)s or more at the usual rate is "
            "%(p)s (Poisson test); the flag is raised from %(min_ratio)s times the usual rate "
            "and a chance below %(level)s."
        ) % {
            "count": f["count"],
            "days": f["days"],
            "start": flag.window_start.isoformat(),
            "end": flag.window_end.isoformat(),
            "closes": _closes(f["closes"]),
            "close": _day(f["close"]),
            "baseline_days": f["baseline_days"],
            "baseline": f["baseline"],
            "expected": f["expected"],
            "ratio": f["ratio"],
            "p": f["p"],
            "min_ratio": f["min_ratio"],
            "level": f["level"],
        }
    return _(
        "Of the %(all_made)s records made on a recorder's own judgement (recorded, on a "
        "household's behalf, deductions and verified reports) from %(start)s to %(end)s, "
        "%(all_reversed)s were reversed later (corrected, or void after an upheld objection). "
        "%(recorder)s made "
        "%(made)s of the records (%(made_share)s%%) but %(reversed)s of the reversals "
        "(%(reversed_share)s%%). The chance of %(reversed)s or more if reversals fell on "
        "records alike is %(p)s (binomial test); the flag is raised from %(min_ratio)s times "
        "a recorder's share and a chance below %(level)s (0.001 ÷ %(recorders)s recorders)."
    ) % {
        "all_made": f["all_made"],
        "start": flag.window_start.isoformat(),
        "end": flag.window_end.isoformat(),
        "all_reversed": f["all_reversed"],
        "recorder": flag.recorder.name if flag.recorder else "",
        "made": f["made"],
        "made_share": f["made_share"],
        "reversed": f["reversed"],
        "reversed_share": f["reversed_share"],
        "p": f["p"],
        "min_ratio": f["min_ratio"],
        "level": f["level"],
        "recorders": f["recorders"],
    }
