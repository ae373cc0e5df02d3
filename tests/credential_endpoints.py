"""AWS credential endpoints on loopback for the tests: a container credentials endpoint and an SSO portal.

The SSO portal answers GetRoleCredentials for :data:`SSO_TOKEN` and, for any other token, 401
``UnauthorizedException``, as the real portal answers an expired or unknown token. Point botocore at it
with ``AWS_ENDPOINT_URL_SSO`` (and at the container endpoint with ``AWS_CONTAINER_CREDENTIALS_FULL_URI``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CONTAINER_KEY = "ASIACONTAINERROLE001"
SSO_KEY = "ASIASSOROLECREDS0001"
CONTAINER_TOKEN = "container-authorization-token"
SSO_TOKEN = "cached-sso-access-token"


@dataclass
class CredentialEndpoints:
    """A container credentials endpoint and an SSO portal (GetRoleCredentials) on loopback.

    ``requests`` keeps (path, query, credential header) of each request, to show which endpoint
    handed out the base credentials and with which token.
    """

    server: ThreadingHTTPServer
    requests: list[tuple[str, dict[str, str], str | None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


def _credential_handler(endpoints_of: Callable[[], CredentialEndpoints]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            expires = datetime.now(timezone.utc) + timedelta(hours=1)
            body: dict[str, Any]
            if parts.path == "/container-credentials":
                token = self.headers.get("Authorization")
                body = {
                    "AccessKeyId": CONTAINER_KEY,
                    "SecretAccessKey": "container-secret",
                    "Token": "container-session-token",
                    "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                status = 200 if token == CONTAINER_TOKEN else 401
            elif parts.path == "/federation/credentials":
                token = self.headers.get("x-amz-sso_bearer_token")
                body = {
                    "roleCredentials": {
                        "accessKeyId": SSO_KEY,
                        "secretAccessKey": "sso-secret",
                        "sessionToken": "sso-session-token",
                        "expiration": int(expires.timestamp() * 1000),
                    }
                }
                status = 200 if token == SSO_TOKEN else 401
            else:
                token, body, status = None, {"message": "not found"}, 404
            endpoints_of().requests.append((parts.path, query, token))
            if status == 401:
                body = {"message": "Session token not found or invalid"}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status == 401:  # the error type botocore turns into UnauthorizedSSOTokenError
                self.send_header("x-amzn-ErrorType", "UnauthorizedException")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_credential_endpoints() -> Iterator[CredentialEndpoints]:
    """Serve both endpoints on 127.0.0.1 for the block's duration."""
    endpoints: list[CredentialEndpoints] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _credential_handler(lambda: endpoints[0]))
    server.daemon_threads = True
    endpoints.append(CredentialEndpoints(server))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield endpoints[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
