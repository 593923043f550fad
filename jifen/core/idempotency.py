"""Idempotency keys: each form carries a key made when it was drawn; a write runs once per key.

``claim`` runs inside the write's own transaction, so the key is taken exactly when the write
commits. A second request with the same key and the same content replays the first result; with
different content it is refused.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.core.models import IdempotentRequest


class IdempotencyConflict(ValidationError):
    pass


def new_key() -> str:
    return secrets.token_urlsafe(24)


def fingerprint(**request: Any) -> str:
    """A stable hash of what a request asks for (values as strings, keys sorted)."""
    text = json.dumps(request, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def claim(*, user: User, key: str, request_fingerprint: str) -> IdempotentRequest | None:
    """None if this key is new (the caller goes on and writes); the earlier request otherwise."""
    if not key or len(key) > 64:
        raise ValidationError(_("This form is out of date; open it again."))
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(user=user, key=key, fingerprint=request_fingerprint)
            return None
    except IntegrityError:
        earlier = IdempotentRequest.objects.get(user=user, key=key)
        if earlier.fingerprint != request_fingerprint:
            raise IdempotencyConflict(
                _("This form was already sent with different content; open it again.")
            ) from None
        return earlier


def remember(*, user: User, key: str, result: dict[str, Any]) -> None:
    IdempotentRequest.objects.filter(user=user, key=key).update(result=result)
