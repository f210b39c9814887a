"""A real S3-compatible server on 127.0.0.1 (moto's server mode), and the environment that points clients at it.

boto3, s3fs and DVC's S3 remote all read ``AWS_ENDPOINT_URL`` and the ``AWS_*`` credentials from the environment,
as they would on a CI runner or in a pod with a mounted secret; the credentials here are dummies moto accepts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.conftest import free_loopback_port


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}".rstrip("/")

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, **_credentials())


def _credentials() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@contextmanager
def s3_server(bucket: str = "ragops") -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    # One access-log line per request would flood the test output (and outlive pytest's captured streams).
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_loopback_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        found = S3Server(f"http://127.0.0.1:{port}", bucket)
        import boto3
        import httpx

        # moto keeps its buckets in process-wide state: a new server would see the previous test's objects.
        httpx.post(f"{found.endpoint}/moto-api/reset", timeout=30).raise_for_status()

        boto3.client("s3", endpoint_url=found.endpoint, **_credentials()).create_bucket(Bucket=bucket)
        yield found
    finally:
        server.stop()
