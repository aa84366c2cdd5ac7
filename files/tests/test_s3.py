"""Blob storage on an S3-compatible object store (django-storages), against moto's server."""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from moto.server import ThreadedMotoServer

from files.ingest import blob_for, check_and_store
from files.rules import DOCUMENT_RULE
from files.serving import open_blob
from files.storage import blob_storage

from . import samples

pytestmark = pytest.mark.django_db

KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_blobs(settings: Any, s3_endpoint: str, blob_dirs: dict[str, Any], request: Any) -> str:
    bucket = f"blobs-{request.node.name.lower().replace('_', '-')[:40]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "files.s3.ContentAddressedS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "addressing_style": "path",
                "location": "blobs",
                "access_key": KEYS["access_key"],
                "secret_key": KEYS["secret_key"],
                "region_name": KEYS["region_name"],
            },
        },
    }
    return bucket


def test_store_read_and_verify_on_s3(s3_blobs: str) -> None:
    data = samples.pdf()
    stored = check_and_store(SimpleUploadedFile("成果.pdf", data), rule=DOCUMENT_RULE)
    again = check_and_store(SimpleUploadedFile("again.pdf", data), rule=DOCUMENT_RULE)
    assert again.sha256 == stored.sha256
    blob = blob_for(stored)
    storage = blob_storage()
    assert storage.exists(blob.storage_name)
    assert storage.listdir(blob.storage_name.rsplit("/", 1)[0])[1] == [blob.sha256]
    with open_blob(blob) as handle:
        assert handle.read() == data
    call_command("verify_files", stdout=StringIO())  # clean

    storage.delete(blob.storage_name)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_files", stdout=out)
    assert out.getvalue().startswith(f"missing\t遺失\tprimary\t{blob.storage_name}")
