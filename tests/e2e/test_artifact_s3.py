"""Index artifacts through a real S3-compatible server on loopback (moto's server mode), via the CLI.

Not a mock of the client: s3fs speaks HTTP to moto's server exactly as it would to AWS or MinIO, with the
endpoint URL and credentials from the usual environment variables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from ragops.artifacts.archive import folder_digest
from ragops.cli.main import main
from tests.conftest import free_loopback_port
from tests.support.artifacts import fake_index

pytestmark = pytest.mark.e2e


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = free_loopback_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="artifacts")
    try:
        yield endpoint
    finally:
        server.stop()


def test_publish_and_fetch_through_s3(s3: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = fake_index(tmp_path / "index")
    assert main(["artifact", "publish", str(index), "s3://artifacts/indexes/tiny"]) == 0
    digest, uri = capsys.readouterr().out.split()
    assert digest == folder_digest(index)
    assert uri == f"s3://artifacts/indexes/tiny/sha256-{digest.removeprefix('sha256:')}.tar"
    listed = boto3.client("s3", endpoint_url=s3).list_objects_v2(Bucket="artifacts")["Contents"]
    assert [o["Key"] for o in listed] == [uri.removeprefix("s3://artifacts/")]

    into = tmp_path / "deploy" / "index"
    assert main(["artifact", "fetch", uri, "--digest", digest, "--into", str(into), "--endpoint-url", s3]) == 0
    assert folder_digest(into) == digest


def test_a_tampered_s3_object_is_refused(s3: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = fake_index(tmp_path / "index")
    assert main(["artifact", "publish", str(index), "s3://artifacts/x"]) == 0
    digest, uri = capsys.readouterr().out.split()
    key = uri.removeprefix("s3://artifacts/")
    client = boto3.client("s3", endpoint_url=s3)
    body = client.get_object(Bucket="artifacts", Key=key)["Body"].read()
    client.put_object(Bucket="artifacts", Key=key, Body=body[: len(body) // 2])
    into = tmp_path / "deploy" / "index"
    assert main(["artifact", "fetch", uri, "--digest", digest, "--into", str(into)]) == 1
    assert "nothing was unpacked" in capsys.readouterr().err
    assert not into.exists()


def test_an_unreachable_store_is_an_infrastructure_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    dead = f"http://127.0.0.1:{free_loopback_port()}"
    code = main(
        [
            "artifact",
            "fetch",
            "s3://artifacts/x",
            "--digest",
            "sha256:" + "0" * 64,
            "--into",
            str(tmp_path / "i"),
            "--endpoint-url",
            dead,
        ]
    )
    assert code == 3
    assert "unreachable" in capsys.readouterr().err
