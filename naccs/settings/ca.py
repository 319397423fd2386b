"""The CA's settings: where its keys are (files or an HSM), what opens them, the plain-HTTP address its
certificates name for revocation data, the TLS proxy that verifies terminals' certificates, and the limits of 取得.
A setting that cannot work is refused at start: a portal that cannot sign must not come up."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from naccs.lib.environment import env_int, env_list

from .base import DEBUG, SITE_URL, TRUSTED_PROXY_COUNT, VAR_DIR


def _plain_http(url: str) -> str:
    """The same host over plain HTTP: an https address becomes http on port 80 (the TLS proxy's plain listener)."""
    parts = urlsplit(url)
    if parts.scheme == "http":
        return url
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"http://{host}"


# Where certificates send relying parties for revocation data and our CA certificate (the CDP, the AIA OCSP URL and
# caIssuers): plain HTTP, as RFC 5280 §4.2.1.13 and RFC 5019 clients fetch them (many never follow https, or a
# redirect, and soft-fail). Served by deploy/nginx's port-80 block. Default: SITE_URL's host over http.
PKI_BASE_URL = (os.environ.get("PKI_BASE_URL") or _plain_http(SITE_URL)).rstrip("/")
if urlsplit(PKI_BASE_URL).scheme != "http" or not urlsplit(PKI_BASE_URL).hostname:
    raise ImproperlyConfigured(
        f"PKI_BASE_URL must be a plain http:// address (RFC 5280, RFC 5019), not {PKI_BASE_URL!r}."
    )

# The issuing CA: key and certificate files, the key encrypted with CA_PASSPHRASE.
CA_DIR = Path(os.environ.get("CA_DIR", VAR_DIR / "ca"))
# The revocation responder (naccs/responder.py sets this) never opens the CA key (issue 25 #3): it is not given the
# passphrase even when its environment carries one, and needs none to start.
REVOCATION_RESPONDER = os.environ.get("NACCS_REVOCATION_RESPONDER") == "1"
CA_PASSPHRASE = "" if REVOCATION_RESPONDER else os.environ.get("CA_PASSPHRASE", "")
# Where CA keys are made: "file" (CA_DIR, CA_PASSPHRASE) or "pkcs11", an HSM (docs/hsm.md): the module's path, the
# token's label and the user PIN, which the revocation responder is not given either. With an HSM the passphrase only
# opens the key files of CAs made before the switch.
CA_KEY_BACKEND = os.environ.get("CA_KEY_BACKEND", "file")
if CA_KEY_BACKEND not in {"file", "pkcs11"}:
    raise ImproperlyConfigured(f"CA_KEY_BACKEND must be file or pkcs11, not {CA_KEY_BACKEND!r}.")
PKCS11_MODULE = os.environ.get("PKCS11_MODULE", "")
PKCS11_TOKEN_LABEL = os.environ.get("PKCS11_TOKEN_LABEL", "NACCS CA")
PKCS11_PIN = "" if REVOCATION_RESPONDER else os.environ.get("PKCS11_PIN", "")
if not CA_PASSPHRASE and not REVOCATION_RESPONDER and CA_KEY_BACKEND == "file":
    if not DEBUG:
        # At start, not at the first 取得: a portal that cannot sign must not come up.
        raise ImproperlyConfigured("CA_PASSPHRASE must be set when DJANGO_DEBUG=0 (it opens the CA key in CA_DIR).")
    CA_PASSPHRASE = "local-demo-ca-passphrase-not-for-production"
CA_PASSPHRASE_MIN_LENGTH = 16  # the KDF slows guessing; only a long passphrase makes guessing hopeless
if not DEBUG and not REVOCATION_RESPONDER and CA_PASSPHRASE and len(CA_PASSPHRASE) < CA_PASSPHRASE_MIN_LENGTH:
    raise ImproperlyConfigured(f"CA_PASSPHRASE must be at least {CA_PASSPHRASE_MIN_LENGTH} characters long.")
CA_KEY_TYPE = os.environ.get("CA_KEY_TYPE", "ec")  # the CA's own key: ec (P-256) or rsa (2048)
TERMINAL_KEY_TYPE = os.environ.get("TERMINAL_KEY_TYPE", "rsa")  # keys made at 取得: rsa (2048) or ec (P-256)
CRL_NEXT_UPDATE_HOURS = env_int("CRL_NEXT_UPDATE_HOURS", 24)
RENEWAL_WINDOW_DAYS = 28  # 取得 without an application from 28 days before expiry (manual ②)
# The same EST request sent again within this many minutes of its renewal (the answer was lost) gets that renewal's
# certificate (serverkeygen: a new key and certificate) instead of 「更新済み」 (naccs/pki/est.py, docs/renewal.md).
EST_RETRY_MINUTES = env_int("EST_RETRY_MINUTES", 10)
# The TLS proxy (nginx, deploy/nginx/) that verifies terminals' client certificates for EST and 取得: its certificate
# header is believed only from these addresses and with this secret (none set: never believed). docs/renewal.md.
# "unix" is the app's unix socket (naccs/lib/client_address.py::UNIX_SOCKET_PEER), which only the proxy's group opens.
TLS_PROXY_ADDRESSES = env_list("TLS_PROXY_ADDRESSES", ["127.0.0.1", "::1", "unix"])
TLS_PROXY_SECRET = os.environ.get("TLS_PROXY_SECRET", "")
if TRUSTED_PROXY_COUNT > 0 and not TLS_PROXY_SECRET:
    # Without the secret no request is known to come through the proxy: X-Forwarded-For would never be believed and
    # every client would share the proxy's address in the limits. Refuse to start rather than run like that.
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT needs TLS_PROXY_SECRET (the proxy sends it with every request).")
# Failed anonymous 取得 (the 取得 page) per terminal and client address, per client address, and per terminal from
# any address, each within fixed windows of this many minutes; the signed-in 取得 of 契約内容の確認 has no such limit.
ACQUIRE_ATTEMPT_LIMIT = env_int("ACQUIRE_ATTEMPT_LIMIT", 5)
ACQUIRE_ADDRESS_ATTEMPT_LIMIT = env_int("ACQUIRE_ADDRESS_ATTEMPT_LIMIT", 20)
ACQUIRE_TERMINAL_ATTEMPT_LIMIT = env_int("ACQUIRE_TERMINAL_ATTEMPT_LIMIT", 50)
ACQUIRE_ATTEMPT_WINDOW_MINUTES = env_int("ACQUIRE_ATTEMPT_WINDOW_MINUTES", 15)
