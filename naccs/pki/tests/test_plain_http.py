"""Issue 25 #6: certificates name plain-HTTP revocation URLs (PKI_BASE_URL), and nginx's port-80 block serves them,
and only them: a relying party fetches the CRL, asks OCSP and gets our CA certificate at the addresses the
certificate names, over http, without a redirect."""

import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from naccs.pki import ca
from naccs.terminals.models import Certificate
from naccs.tests.helpers import free_port, uncertified_terminal

from .conftest import certify, tls_proxy

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # RFC 5280 and RFC 5019 clients do not follow redirects: neither do we here


def fetch(url, data=None, headers=None):
    """(status, headers, body) of a plain-HTTP request, redirects not followed."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def plain_http(live_server, test_ca, tmp_path, settings):
    """nginx started by scripts/serve-tls in front of the live server, with its plain-HTTP listener; certificates
    issued meanwhile name that listener (PKI_BASE_URL)."""
    port = free_port()
    address = live_server.url.removeprefix("http://")
    with tls_proxy(tmp_path / "nginx", test_ca, app_address=address, HTTP_PORT=str(port)):
        settings.PKI_BASE_URL = f"http://127.0.0.1:{port}"
        yield settings.PKI_BASE_URL


def named(certificate: x509.Certificate) -> dict[str, str]:
    crl = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0].full_name[0].value
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    by_method = {item.access_method: item.access_location.value for item in access}
    return {
        "crl": crl,
        "ocsp": by_method[x509.AuthorityInformationAccessOID.OCSP],
        "ca": by_method[x509.AuthorityInformationAccessOID.CA_ISSUERS],
    }


def test_a_relying_party_gets_everything_the_certificate_names_over_plain_http(plain_http, company):
    row = certify(uncertified_terminal(company), age_days=10)
    certificate = x509.load_pem_x509_certificate(row.pem.encode())
    urls = named(certificate)
    assert all(url.startswith(f"{plain_http}/pki/") for url in urls.values()), urls

    status, _, body = fetch(urls["ca"])
    assert status == 200
    authority = x509.load_der_x509_certificate(body)
    assert authority == ca.get_authority().certificate
    certificate.verify_directly_issued_by(authority)

    status, _, body = fetch(urls["crl"])
    assert status == 200
    assert x509.load_der_x509_crl(body).is_signature_valid(authority.public_key())

    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, authority, hashes.SHA1()).build()
    status, headers, body = fetch(
        urls["ocsp"],
        data=request.public_bytes(serialization.Encoding.DER),
        headers={"Content-Type": "application/ocsp-request"},
    )
    assert status == 200 and headers["Content-Type"] == "application/ocsp-response"
    answer = ocsp.load_der_ocsp_response(body)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/pki/acquire/", "/.well-known/est/cacerts", "/center/"])
def test_nothing_else_is_served_over_plain_http(plain_http, path):
    status, headers, _ = fetch(f"{plain_http}{path}")
    assert status == 301
    assert headers["Location"].startswith("https://") and headers["Location"].endswith(path)
