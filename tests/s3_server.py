"""An S3-compatible server on loopback (moto's), for the drift command's S3 backend tests.

It binds 127.0.0.1 on a free port and stops when the ``with`` block ends; any signed request is
accepted, so the tests' dummy credentials work for boto3 and for the Pulumi CLI alike.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    region: str = "us-east-1"

    def client(self) -> Any:
        import boto3

        # Explicit keys: module-scoped fixtures run before the per-test environment (conftest's aws_env) is set.
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="AKIAS3SERVERTESTKEY1",
            aws_secret_access_key="s3-server-test-secret",
        )

    def backend_url(self, bucket: str, prefix: str = "") -> str:
        """The URL both Pulumi and the drift command accept: path style, this endpoint, plain HTTP."""
        path = f"/{prefix}" if prefix else ""
        return f"s3://{bucket}{path}?region={self.region}&endpoint={self.endpoint_url}&use_path_style=true"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def s3_server() -> Iterator[S3Server]:
    server_module = pytest.importorskip("moto.server", reason="moto[server] is a dev dependency: `make venv`")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()
