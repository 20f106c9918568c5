"""A real S3 server for tests: moto's standalone server on 127.0.0.1, one per test session.

Use it from any backend package's ``conftest.py``::

    from frameport.testing.s3 import s3_server, s3_store  # noqa: F401  (pytest fixtures)

``s3_server`` (session scope) starts ``moto.server.ThreadedMotoServer`` on a free port, creates a
bucket and yields an :class:`S3Server`; ``s3_store`` (function scope) points frameport's storage
options for ``s3`` at it (through :func:`frameport.configure`) and yields a fresh ``s3://`` prefix.
Nothing is mocked: s3fs, pyarrow and polars talk HTTP to the server. ``moto[server]``, ``boto3`` and
``s3fs`` come from the package's test dependencies.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

__all__ = ["S3Server", "running_s3_server", "s3_server", "s3_store"]

ACCESS_KEY = "frameport-test-key"
SECRET_KEY = "frameport-test-secret"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    @property
    def storage_options(self) -> dict[str, Any]:
        """s3fs options (what frameport's ``storage_options["s3"]`` holds)."""
        return {
            "key": self.access_key,
            "secret": self.secret_key,
            "client_kwargs": {"endpoint_url": self.endpoint, "region_name": self.region},
        }

    @property
    def env(self) -> dict[str, str]:
        """The standard AWS environment variables that point any client at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_s3_server(bucket: str = "frameport-test") -> Iterator[S3Server]:
    """Start moto's S3 server on 127.0.0.1, create ``bucket``, yield it, stop it."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        info = S3Server(endpoint=f"http://127.0.0.1:{port}", bucket=bucket)
        info.client().create_bucket(Bucket=bucket)
        yield info
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture
def s3_store(s3_server: S3Server) -> Iterator[str]:
    """Point frameport at the server (storage options for ``s3``) and yield a fresh ``s3://`` prefix."""
    import fsspec

    from .. import config

    config.configure(storage_options={"s3": s3_server.storage_options})
    fsspec.AbstractFileSystem.clear_instance_cache()
    try:
        yield f"s3://{s3_server.bucket}/{uuid.uuid4().hex[:12]}"
    finally:
        config.reset()
