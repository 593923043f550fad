"""From a village's gathered figures to findings: which flags fire, and the numbers why.

The thresholds are chosen to catch real favouritism, not noise: every test has a minimum
count, an effect size (a gap, a ratio) and, for the probability tests, a strict significance
level divided by the number of tests made in the village (Bonferroni), so that a village with
many households and recorders does not raise flags by chance alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from jifen.fairness import selectors
from jifen.fairness.models import Flag
from jifen.fairness.statistics import (
    binomial_tail,
    chance,
    median,
    median_absolute_deviation,
    modified_z_score,
    plain,
    poisson_tail,
    rounded,
)
from jifen.places.models import Place

# Cadre households: a modified z-score of 3.5 (Iglewicz and Hoaglin's outlier cut-off), at
# least 100 points above the median, against at least 5 other households. A MAD of less than
# 1 point (most households alike) is counted as 1 point.
CADRE_Z = Fraction(7, 2)
CADRE_MIN_GAP = 100
CADRE_MIN_OTHERS = 5
CADRE_MIN_DEVIATION = Fraction(1)

# One recorder and one household: over the last 180 days, at least 6 records and a chance
# below 0.001 ÷ the pairs tested of as many or more with an even spread.
PAIR_WINDOW_DAYS = 180
PAIR_MIN_RECORDS = 6
SIGNIFICANCE = Fraction(1, 1000)

# Bursts: the 7 days up to a close against the 8 weeks before them; at least 10 records, at
# least 3 times the usual rate, and a Poisson chance below 0.001 ÷ the closes tested. A
# baseline of no records is counted as one.
BURST_DAYS = 7
BASELINE_DAYS = 56
BURST_MIN_RECORDS = 10
BURST_MIN_RATIO = 3
CLOSES_LOOKBACK_DAYS = 365

# Reversals: records made in the last 365 days; at least 5 of a recorder's reversed, at least
# twice their share of the records, and a binomial chance below 0.001 ÷ the recorders tested.
REVERSAL_WINDOW_DAYS = 365
REVERSAL_MIN_COUNT = 5
REVERSAL_MIN_RATIO = 2


@dataclass
class Finding:
    kind: str
    subject_key: str
    window_start: date
    window_end: date
    figures: dict[str, Any]
    record_ids: list[int] = field(default_factory=list)
    household_id: int | None = None
    recorder_id: int | None = None


def cadre_households(village: Place, today: date) -> list[Finding]:
    first = date(today.year, 1, 1)
    cadres = selectors.cadre_households(village)
    if not cadres:
        return []
    points = selectors.points_by_household(village, first, today)
    others = [earned for household, earned in points.items() if household not in cadres]
    if len(others) < CADRE_MIN_OTHERS:
        return []
    centre, spread = median(others), median_absolute_deviation(others)
    deviation = max(spread, CADRE_MIN_DEVIATION)
    findings = []
    for household_id, cadre in sorted(cadres.items()):
        if household_id not in points:
            continue
        earned = points[household_id]
        z = modified_z_score(earned, centre, deviation)
        if earned - centre < CADRE_MIN_GAP or z < CADRE_Z:
            continue
        findings.append(
            Finding(
                kind=Flag.Kind.CADRE_HOUSEHOLD,
                subject_key=f"household:{household_id}:{today.year}",
                household_id=household_id,
                window_start=first,
                window_end=today,
                figures={
                    "cadre": cadre.name,
                    "role": cadre.role,
                    "points": earned,
                    "others": len(others),
                    "median": plain(centre),
                    "mad": plain(spread),
                    "deviation": plain(deviation),
                    "gap": plain(earned - centre),
                    "z": str(rounded(z)),
                    "z_threshold": str(rounded(CADRE_Z)),
                    "gap_threshold": CADRE_MIN_GAP,
                },
                record_ids=selectors.posted_record_ids(village, household_id, first, today),
            )
        )
    return findings


def recorder_households(village: Place, today: date) -> list[Finding]:
    first = today - timedelta(days=PAIR_WINDOW_DAYS - 1)
    counts = selectors.chosen_record_counts(village, first, today)
    made: dict[int, int] = {}
    spread_over: dict[int, int] = {}
    for (recorder, _household), number in counts.items():
        made[recorder] = made.get(recorder, 0) + number
        spread_over[recorder] = spread_over.get(recorder, 0) + 1
    pairs = len(counts)
    level = SIGNIFICANCE / max(pairs, 1)
    findings = []
    for (recorder, household), number in sorted(counts.items()):
        total, households = made[recorder], spread_over[recorder]
        if number < PAIR_MIN_RECORDS or households < 2:
            continue
        probability = binomial_tail(number, total, Fraction(1, households))
        if probability >= level:
            continue
        findings.append(
            Finding(
                kind=Flag.Kind.RECORDER_HOUSEHOLD,
                subject_key=f"recorder:{recorder}:household:{household}",
                household_id=household,
                recorder_id=recorder,
                window_start=first,
                window_end=today,
                figures={
                    "days": PAIR_WINDOW_DAYS,
                    "made": total,
                    "households": households,
                    "expected": plain(Fraction(total, households)),
                    "count": number,
                    "p": chance(probability),
                    "pairs": pairs,
                    "level": chance(level),
                    "min_count": PAIR_MIN_RECORDS,
                },
                record_ids=selectors.chosen_record_ids(village, recorder, household, first, today),
            )
        )
    return findings


def closing_bursts(village: Place, today: date) -> list[Finding]:
    # A close up to a week ahead is already in its last days: count the days so far.
    found = selectors.closes(
        village, today - timedelta(days=CLOSES_LOOKBACK_DAYS), today + timedelta(BURST_DAYS - 1)
    )
    windows = []
    for close, _what in found:
        burst_first = close - timedelta(days=BURST_DAYS - 1)
        windows.append(
            selectors.Windows(
                close=close,
                burst_first=burst_first,
                burst_last=min(close, today),
                baseline_first=burst_first - timedelta(days=BASELINE_DAYS),
                baseline_last=burst_first - timedelta(days=1),
            )
        )
    counts = selectors.burst_counts(village, windows)
    level = SIGNIFICANCE / max(len(windows), 1)
    findings = []
    for (close, what), window, (burst, baseline) in zip(found, windows, counts, strict=True):
        days = (window.burst_last - window.burst_first).days + 1
        expected = Fraction(max(baseline, 1) * days, BASELINE_DAYS)
        if burst < BURST_MIN_RECORDS or burst < BURST_MIN_RATIO * expected:
            continue
        probability = poisson_tail(burst, expected)
        if probability >= level:
            continue
        findings.append(
            Finding(
                kind=Flag.Kind.CLOSING_BURST,
                subject_key=f"close:{close.isoformat()}",
                window_start=window.burst_first,
                window_end=window.burst_last,
                figures={
                    "close": close.isoformat(),
                    "closes": what,
                    "days": days,
                    "count": burst,
                    "baseline": baseline,
                    "baseline_days": BASELINE_DAYS,
                    "expected": str(rounded(expected)),
                    "ratio": str(rounded(Fraction(burst) / expected)),
                    "p": chance(probability),
                    "level": chance(level),
                    "min_ratio": BURST_MIN_RATIO,
                },
                record_ids=selectors.burst_record_ids(
                    village, window.burst_first, window.burst_last
                ),
            )
        )
    return findings


def concentrated_reversals(village: Place, today: date) -> list[Finding]:
    first = today - timedelta(days=REVERSAL_WINDOW_DAYS - 1)
    by_recorder = selectors.reversals_by_recorder(village, first, today)
    all_made = sum(made for made, _ in by_recorder.values())
    all_reversed = sum(reversed_count for _, reversed_count in by_recorder.values())
    level = SIGNIFICANCE / max(len(by_recorder), 1)
    findings = []
    for recorder, (made, reversed_count) in sorted(by_recorder.items()):
        if reversed_count < REVERSAL_MIN_COUNT or made == all_made:
            continue
        share = Fraction(made, all_made)
        if Fraction(reversed_count, all_reversed) < REVERSAL_MIN_RATIO * share:
            continue
        probability = binomial_tail(reversed_count, all_reversed, share)
        if probability >= level:
            continue
        findings.append(
            Finding(
                kind=Flag.Kind.REVERSALS,
                subject_key=f"recorder:{recorder}",
                recorder_id=recorder,
                window_start=first,
                window_end=today,
                figures={
                    "days": REVERSAL_WINDOW_DAYS,
                    "all_made": all_made,
                    "all_reversed": all_reversed,
                    "made": made,
                    "reversed": reversed_count,
                    "made_share": str(rounded(share * 100)),
                    "reversed_share": str(rounded(Fraction(reversed_count, all_reversed) * 100)),
                    "p": chance(probability),
                    "recorders": len(by_recorder),
                    "level": chance(level),
                    "min_ratio": REVERSAL_MIN_RATIO,
                },
                record_ids=selectors.reversed_record_ids(village, recorder, first, today),
            )
        )
    return findings


def findings_for(village: Place, today: date) -> list[Finding]:
    return [
        *cadre_households(village, today),
        *recorder_households(village, today),
        *closing_bursts(village, today),
        *concentrated_reversals(village, today),
    ]
