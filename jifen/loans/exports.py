"""A bank's loan applications as a workbook, for its own systems and files.

Only applications the caller already passed through the consent gate come here. No ID or phone
numbers: the bank identifies a household by village and door plate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jifen.loans.models import Bank, LoanApplication

RATE_FORMAT = "0.00"
# The discount, the rate and the approved rate (1-based, as in _row).
RATE_COLUMNS = (16, 17, 23)


def _headers() -> list[str]:
    return [
        _("Application"),
        _("Applied at"),
        _("Village"),
        _("Door plate"),
        _("Head of household"),
        _("Amount (yuan)"),
        _("Purpose"),
        _("Status"),
        _("Score"),
        _("Rank"),
        _("Households ranked"),
        _("Stars"),
        _("Policy"),
        _("Policy version"),
        _("Eligible"),
        _("Discount (percentage points)"),
        _("Rate (%)"),
        _("Credit line (yuan)"),
        _("Checkpoint size"),
        _("Checkpoint root"),
        _("Decided at"),
        _("Approved amount (yuan)"),
        _("Approved rate (%)"),
        _("Reason for declining"),
    ]


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _row(application: LoanApplication) -> list[object]:
    household = application.household
    checkpoint = application.checkpoint
    return [
        application.pk,
        _when(application.applied_at),
        household.village.name,
        household.door_plate,
        household.head.name if household.head else "",
        application.amount_yuan,
        application.purpose,
        application.get_status_display(),
        application.score,
        application.rank,
        application.ranked_households,
        application.stars,
        application.policy.name,
        application.policy.version,
        _("yes") if application.eligible else _("no"),
        application.discount,
        application.rate,
        application.credit_line_yuan,
        checkpoint.tree_size if checkpoint else "",
        checkpoint.root_hash if checkpoint else "",
        _when(application.decided_at),
        application.approved_amount_yuan or "",
        application.approved_rate if application.approved_rate is not None else "",
        application.decline_reason,
    ]


def applications_workbook(
    bank: Bank, applications: Sequence[LoanApplication], *, withheld: int, now: datetime
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Applications")
    headers = _headers()
    sheet.append(headers)
    for number, application in enumerate(applications, start=2):
        sheet.append(_row(application))
        # Rates and discounts are exact decimals: always shown with their two decimals.
        for column in RATE_COLUMNS:
            sheet.cell(row=number, column=column).number_format = RATE_FORMAT
    sheet.append([])
    sheet.append(
        [
            _("%(bank)s, exported %(when)s.") % {"bank": bank.name, "when": _when(now)},
        ]
    )
    if withheld:
        sheet.append(
            [
                _(
                    "%(count)s applications left out: the household has not given the bank "
                    "consent to see its points."
                )
                % {"count": withheld}
            ]
        )
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
