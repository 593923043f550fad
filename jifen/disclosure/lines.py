"""Parsing what a cadre types into a line: yuan into fen (Decimal, never float), attachments."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# A village's single line above a hundred million yuan is a typing error.
MAX_FEN = 100_000_000_00
# Digits with an optional decimal part: no signs, no exponents.
AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# What an attachment may be, by its first bytes: a photo of the voucher or a scanned PDF.
SIGNATURES = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def parse_yuan(text: str) -> int:
    """``"1,234.5"`` yuan is 123450 fen; more than two decimals, zero or less is refused."""
    cleaned = text.strip().replace(",", "").replace("，", "").removeprefix("¥").strip()
    if not AMOUNT.fullmatch(cleaned):
        raise ValidationError(_("Enter the amount in yuan, for example 1234.50."))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise ValidationError(_("Enter the amount in yuan, for example 1234.50.")) from None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise ValidationError(_("Enter the amount in yuan with at most two decimals."))
    fen = int(amount * 100)
    if fen <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if fen > MAX_FEN:
        raise ValidationError(_("The amount is too large for one line."))
    return fen


def yuan(fen: int) -> str:
    """123450 fen reads ``1,234.50``; a negative balance keeps its sign."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def check_attachment(upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The attachment is larger than 5 MB."))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in SIGNATURES):
        raise ValidationError(_("Attach a photo (JPEG or PNG) or a PDF."))


def required_text(value: str, *, limit: int, missing: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(missing)
    if len(value) > limit:
        raise ValidationError(
            _("Keep it to %(limit)d characters; this has %(length)d.")
            % {"limit": limit, "length": len(value)}
        )
    return value
