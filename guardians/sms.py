"""Text messages (簡訊) through a small backend interface (the issue, item 9).

``settings.LICHENG_SMS`` chooses the backend::

    LICHENG_SMS = {"BACKEND": "guardians.sms.ConsoleBackend", "OPTIONS": {}}

Backends: :class:`LocmemBackend` (tests; messages land in :data:`outbox`, like Django's
locmem mail outbox), :class:`ConsoleBackend` (``make run``), :class:`FileBackend` (one file
per message in ``OPTIONS["path"]``) and :class:`HttpGatewayBackend` (an SMS gateway reached by
HTTPS POST, configured with URL and credentials). Messages never carry a national ID
(RELIABILITY.md §6.8 item 24).
"""

import base64
import json
import sys
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    """One text message: ``to`` is a Taiwan mobile number (``09xxxxxxxx``)."""

    to: str
    body: str


class SmsError(Exception):
    """The gateway refused or could not be reached."""


#: Messages sent through :class:`LocmemBackend`, newest last (tests read and clear it).
outbox: list[SmsMessage] = []


class BaseSmsBackend:
    """Interface: ``send(message)`` delivers one message or raises :class:`SmsError`."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class LocmemBackend(BaseSmsBackend):
    """Keep messages in :data:`outbox` (tests)."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class ConsoleBackend(BaseSmsBackend):
    """Print messages to stdout (development, ``make run``)."""

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[SMS to {message.to}] {message.body}\n")
        sys.stdout.flush()


class FileBackend(BaseSmsBackend):
    """Write each message to its own file in ``OPTIONS["path"]`` (development)."""

    def send(self, message: SmsMessage) -> None:
        folder = Path(self.options.get("path") or settings.VAR_DIR / "sms")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.txt"
        name.write_text(f"To: {message.to}\n\n{message.body}\n", encoding="utf-8")


class HttpGatewayBackend(BaseSmsBackend):
    """POST ``{"to": ..., "message": ...}`` as JSON to ``OPTIONS["url"]``.

    Options: ``url`` (https), ``username``/``password`` (HTTP Basic) or ``token`` (Bearer),
    ``sender`` (added as ``"from"`` when set), ``timeout`` in seconds (default 10). Any
    non-2xx reply or network error raises :class:`SmsError`.
    """

    def send(self, message: SmsMessage) -> None:
        url = self.options.get("url", "")
        if not url.startswith(("https://", "http://")):
            raise SmsError("SMS gateway URL must be http(s)")
        payload: dict[str, str] = {"to": message.to, "message": message.body}
        if self.options.get("sender"):
            payload["from"] = self.options["sender"]
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        if self.options.get("token"):
            request.add_header("Authorization", f"Bearer {self.options['token']}")
        elif self.options.get("username"):
            pair = f"{self.options['username']}:{self.options.get('password', '')}"
            request.add_header(
                "Authorization", "Basic " + base64.b64encode(pair.encode()).decode("ascii")
            )
        timeout = float(self.options.get("timeout", 10))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsError(f"SMS gateway replied {response.status}")
        except OSError as exc:  # URLError, HTTPError and timeouts are all OSError
            raise SmsError(f"SMS gateway unreachable: {exc.__class__.__name__}") from exc


def get_backend() -> BaseSmsBackend:
    """The backend named by ``settings.LICHENG_SMS`` (default: console)."""
    config = getattr(settings, "LICHENG_SMS", {}) or {}
    backend_class = import_string(config.get("BACKEND", "guardians.sms.ConsoleBackend"))
    return backend_class(**config.get("OPTIONS", {}))


def send_sms(to: str, body: str) -> None:
    """Send one text message through the configured backend (the issue, item 9).

    Raises :class:`SmsError` when the backend fails; the caller reports it to the user.
    """
    get_backend().send(SmsMessage(to=to, body=body))
