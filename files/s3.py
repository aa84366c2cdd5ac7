"""Blob storage in an S3-compatible object store (django-storages), for schools that outgrow
one machine (ARCHITECTURE.md "Growing past one machine"). Selected with
``LICHENG_BLOB_STORAGE=s3``; see docs/files.md.

S3 PutObject is durable when it returns, so no fsync step is needed; ``check_and_store`` still
reads every new object back and re-hashes it.
"""

from typing import Any

from storages.backends.s3 import S3Storage


class ContentAddressedS3Storage(S3Storage):
    """S3Storage that never alters a name and keeps objects private."""

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("default_acl", None)  # bucket policy decides; never public-read
        settings.setdefault("querystring_auth", True)
        settings.setdefault("file_overwrite", True)  # same name ⇒ same bytes
        super().__init__(**settings)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name
