"""The client certificate of a request, as the TLS proxy (nginx) verified it and passed it on.

The app never sees the TLS connection: nginx ends it, checks the client certificate against our CA
(`ssl_verify_client optional`) and sends the certificate URL-escaped in a header. A header is only believed when the
request came through the proxy (`naccs.lib.client_address.from_trusted_proxy`: a TLS_PROXY_ADDRESSES address *and*
the TLS_PROXY_SECRET that only the proxy knows; a client can set any header, and a local process can connect from
127.0.0.1). Without a secret configured, no certificate header is believed at all.
"""

from urllib.parse import unquote

from cryptography import x509

from naccs.lib.client_address import from_trusted_proxy

CERTIFICATE_HEADER = "HTTP_X_SSL_CLIENT_CERT"  # nginx: $ssl_client_escaped_cert
VERIFY_HEADER = "HTTP_X_SSL_CLIENT_VERIFY"  # nginx: $ssl_client_verify (SUCCESS, FAILED:reason, NONE)


def client_certificate(request) -> x509.Certificate | None:
    """The certificate the client presented and the proxy verified against our CA; None when there is none (or the
    request did not come through the proxy)."""
    if not from_trusted_proxy(request) or request.META.get(VERIFY_HEADER) != "SUCCESS":
        return None
    escaped = request.META.get(CERTIFICATE_HEADER, "")
    if not escaped:
        return None
    try:
        return x509.load_pem_x509_certificate(unquote(escaped).encode())
    except ValueError:
        return None
