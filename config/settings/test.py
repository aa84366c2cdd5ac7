"""Test settings: the base settings, only faster. The database follows LICHENG_DB."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="licheng-test-media-"))
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "blobs": {
        "BACKEND": "files.storage.DurableFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "blobs")},
    },
    "central_blobs": {
        "BACKEND": "files.storage.DurableFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "central")},
    },
}
FILE_UPLOAD_TEMP_DIR = tempfile.mkdtemp(prefix="licheng-test-uploads-")
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
LICHENG_CENTRAL_TRANSPORT = "inprocess"
LICHENG_CENTRAL_TOKEN = "test-central-token"  # noqa: S105 (test-only token)
