"""Errors of the files app. Messages are Traditional Chinese and name the limit and the finding."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class FileRejected(ValidationError):
    """An upload refused by a file rule (RULES.md §10) or by storage; nothing was kept.

    ``message`` is the text to show; ``code`` is stable for tests and the API. A form can
    ``add_error(field, exc)`` directly.
    """

    message: str
    code: str

    def __init__(
        self, message: StrOrPromise, code: str, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(str(message), code=code, params=params)

    def __str__(self) -> str:
        return self.message


class StorageFailure(FileRejected):
    """The bytes could not be written durably (disk full, I/O error, object store down).

    The upload was not acknowledged; the student may retry (``retryable``). Views should
    answer 503 rather than 4xx.
    """

    retryable = True


class BlobUnavailable(Exception):
    """No stored copy of a blob matches its recorded SHA-256: never serve bad bytes."""

    message = _("檔案已損毀或遺失，無法下載；請通知學校，並重新上傳原始檔案。")

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no good copy of blob {sha256}")
        self.sha256 = sha256
