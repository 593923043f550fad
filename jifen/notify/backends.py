"""Where text messages go: a backend sends one message or raises ``SmsError``.

Chosen by the setting ``JIFEN_SMS_BACKEND`` (a dotted path to a class taking no arguments):

- ``jifen.notify.backends.ConsoleBackend`` (the default): prints each message, for development.
- ``jifen.notify.backends.FileBackend``: appends one JSON line per message to ``JIFEN_SMS_FILE``
  (default ``var/sms.jsonl``), for demos and tests.
- ``jifen.notify.backends.HttpGatewayBackend``: POSTs ``{"to", "text", "id"}`` as JSON to
  ``JIFEN_SMS_GATEWAY_URL`` with ``Authorization: Bearer <JIFEN_SMS_GATEWAY_KEY>`` and
  ``Idempotency-Key: <id>``, waiting at most ``JIFEN_SMS_GATEWAY_TIMEOUT`` seconds (default 5).

A backend must raise on any doubt: a message is marked sent only when ``send`` returns.
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol, TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from jifen.notify.models import SmsMessage

DEFAULT_BACKEND = "jifen.notify.backends.ConsoleBackend"
DEFAULT_TIMEOUT_SECONDS = 5.0


class SmsError(Exception):
    """The message may not have been delivered: try it again later."""


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


def get_backend() -> SmsBackend:
    path = getattr(settings, "JIFEN_SMS_BACKEND", DEFAULT_BACKEND)
    backend: SmsBackend = import_string(path)()
    return backend


def payload(message: SmsMessage) -> dict[str, str]:
    return {"to": message.phone, "text": message.text, "id": str(message.key)}


class ConsoleBackend:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        self.stream.write(f"SMS to {message.phone} [{message.key}]: {message.text}\n")
        self.stream.flush()


class FileBackend:
    def __init__(self) -> None:
        default = Path(settings.VAR_DIR) / "sms.jsonl"
        self.path = Path(getattr(settings, "JIFEN_SMS_FILE", default))

    def send(self, message: SmsMessage) -> None:
        line = json.dumps(payload(message), ensure_ascii=False) + "\n"
        try:
            # One write of one line in append mode: lines from several processes do not mix.
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
        except OSError as error:
            raise SmsError(f"cannot write {self.path}: {error}") from error


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A gateway that redirects is misconfigured: following it would turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpGatewayBackend:
    def __init__(self) -> None:
        self.url: str = getattr(settings, "JIFEN_SMS_GATEWAY_URL", "")
        self.key: str = getattr(settings, "JIFEN_SMS_GATEWAY_KEY", "")
        self.timeout = float(
            getattr(settings, "JIFEN_SMS_GATEWAY_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
        )
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("JIFEN_SMS_GATEWAY_URL must be an http(s) URL.")
        self.opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: SmsMessage) -> None:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url,
            data=json.dumps(payload(message), ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": str(message.key),
            },
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                response.read(64 * 1024)
                status = response.status
        except urllib.error.HTTPError as error:
            error.close()
            raise SmsError(f"gateway answered {error.code}") from error
        except (OSError, http.client.HTTPException) as error:
            # Refused, reset, timed out, or cut off mid-answer: the gateway may or may not have
            # the message. Sending it again under the same key is safe either way.
            raise SmsError(f"gateway unreachable: {error!r}") from error
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")
