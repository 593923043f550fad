from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


def message_of(error: ValidationError | PermissionDenied) -> str:
    """What to tell the person whose write a service refused."""
    return error.messages[0] if isinstance(error, ValidationError) else str(error)
