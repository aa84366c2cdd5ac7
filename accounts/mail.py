"""A console email backend people can read (the demo prints codes and links there)."""

import sys
import threading
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class ReadableConsoleEmailBackend(BaseEmailBackend):
    """Write each message's recipients, subject and plain-text body as text (no MIME, no
    base64) to stdout, so a verification code or a set-password link can be read in the
    server's console during ``make run``. Not for production (use SMTP)."""

    def __init__(self, *args: Any, stream: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        with self._lock:
            for message in email_messages:
                self.stream.write(
                    f"\n=== 電子郵件 / email ===\nTo: {', '.join(message.to)}\n"
                    f"Subject: {message.subject}\n\n{message.body}\n=== end ===\n"
                )
            self.stream.flush()
        return len(email_messages)
