"""The portal's EST endpoints (RFC 7030) over HTTPS with the standard library, presenting the terminal's certificate."""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import ssl
import tempfile
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization

EST_PATH = "/.well-known/est"
TIMEOUT_SECONDS = 60


class PortalUnavailable(Exception):
    """The portal could not be reached or answered with a temporary error: try again later."""


class PortalRefused(Exception):
    """The portal refused the request (4xx); its plain-text reason (RFC 7030 §4.2.3) is the message."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def tls_context(*, certificate, key, trusted: list) -> ssl.SSLContext:
    """Verifies the server against the system's CAs and the CAs of the terminal's file (the portal's own server
    certificate may come from our CA), and presents `certificate` with `key`.

    ssl loads a client key only from a file: it is written encrypted under a one-time password to a private temporary
    file, loaded, and deleted at once, so the key never lies on disk in the clear."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if trusted:
        context.load_verify_locations(
            cadata="".join(ca.public_bytes(serialization.Encoding.PEM).decode("ascii") for ca in trusted)
        )
    if certificate is not None:
        one_time = secrets.token_urlsafe(32)
        pem = certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(one_time.encode("ascii")),
        )
        handle, path = tempfile.mkstemp(prefix="naccs-renew-", suffix=".pem")  # 0600 on POSIX
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(pem)
            context.load_cert_chain(path, password=one_time)
        finally:
            os.unlink(path)
    return context


class Portal:
    def __init__(self, server: str, context: ssl.SSLContext):
        parts = urlsplit(server)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"--server は https:// で始まる URL です / --server must be an https:// URL: {server}")
        self.host, self.port = parts.hostname, parts.port or 443
        self.prefix = parts.path.rstrip("/")
        self.context = context

    def cacerts(self) -> bytes:
        return self.request("GET", "cacerts")

    def simplereenroll(self, csr: bytes) -> bytes:
        return self.request("POST", "simplereenroll", csr, {"Content-Type": "application/pkcs10"})

    def simpleenroll(self, csr: bytes, *, terminal_name: str, auth_codes: str) -> bytes:
        """The first 取得 (RFC 7030 §4.2.1): the terminal's name and its 認証コード as HTTP Basic (§3.2.3), inside
        TLS only (Portal takes https:// alone)."""
        credentials = base64.b64encode(f"{terminal_name}:{auth_codes}".encode()).decode("ascii")
        headers = {"Content-Type": "application/pkcs10", "Authorization": f"Basic {credentials}"}
        return self.request("POST", "simpleenroll", csr, headers)

    def request(self, method: str, operation: str, body: bytes | None = None, headers: dict | None = None) -> bytes:
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(method, f"{self.prefix}{EST_PATH}/{operation}", body=body, headers=headers or {})
            response = connection.getresponse()
            answer = response.read()
        except ssl.SSLCertVerificationError as error:
            raise PortalUnavailable(f"サーバー証明書を検証できません / cannot verify the server: {error}") from None
        except (OSError, http.client.HTTPException) as error:
            raise PortalUnavailable(f"接続できません / cannot connect: {error}") from None
        finally:
            connection.close()
        if response.status == 200:
            return answer
        reason = answer.decode("utf-8", "replace").strip() or response.reason
        if response.status >= 500 or response.status in (408, 429):
            raise PortalUnavailable(f"HTTP {response.status}: {reason}")
        raise PortalRefused(response.status, reason)
