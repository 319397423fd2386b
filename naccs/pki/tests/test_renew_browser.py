"""「更新する」 pressed in Chromium: Playwright presents the terminal's current certificate to the real nginx
(`client_certificates`), the 取得 page over HTTPS offers the renewal, and the new .p12 is downloaded and opened."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.utils import timezone

from naccs.pki import ca, issuance
from naccs.terminals.models import Certificate

from .conftest import tls_proxy, uncertified_terminal
from .est_helpers import PROXY_SECRET

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
]
PASSWORD = "p12-pass-2026"


@pytest.fixture
def nginx_url(live_server, session_ca_dir, tmp_path_factory, settings):
    settings.TLS_PROXY_SECRET = PROXY_SECRET
    base = tmp_path_factory.mktemp("nginx")
    with tls_proxy(base, session_ca_dir, app_address=live_server.url.removeprefix("http://")) as url:
        settings.CSRF_TRUSTED_ORIGINS = [url]  # as `make serve` trusts its HTTPS address
        yield url


def current_certificate(terminal, directory: Path) -> Certificate:
    """The terminal's certificate issued 350 days ago (inside its renewal window), with its key, as a PC holds it."""
    key = ca.new_private_key("ec")
    issued = timezone.now() - timedelta(days=350)
    certificate = issuance.issue_certificate(
        terminal=terminal, public_key=key.public_key(), not_before=issued, not_after=issuance.certificate_expiry(issued)
    )
    (directory / "current.pem").write_text(certificate.pem)
    (directory / "current.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate


def test_renewing_in_a_browser_with_the_current_certificate(browser, nginx_url, test_ca, company, tmp_path):
    current = current_certificate(uncertified_terminal(company), tmp_path)
    context = browser.new_context(
        base_url=nginx_url,
        ignore_https_errors=True,  # nginx's server certificate is from our CA, which this browser does not know
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        client_certificates=[
            {"origin": nginx_url, "certPath": str(tmp_path / "current.pem"), "keyPath": str(tmp_path / "current.key")}
        ],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/pki/acquire/")
        page.get_by_text("論理端末11110Aの現在のデジタル証明書").wait_for()
        renew = page.locator("form", has=page.get_by_role("button", name="更新する"))
        renew.locator("#id_renew-password").fill(PASSWORD)
        renew.locator("#id_renew-password_confirm").fill(PASSWORD)
        with page.expect_download() as download_info:
            renew.get_by_role("button", name="更新する").click()
        download = download_info.value
        assert download.suggested_filename == "11110A.p12"
        target = tmp_path / "11110A.p12"
        download.save_as(target)
    finally:
        context.close()
    key, certificate, _ = pkcs12.load_key_and_certificates(target.read_bytes(), PASSWORD.encode())
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "11110A"
    assert certificate.public_key() == key.public_key()
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    assert Certificate.objects.get(revoked_at__isnull=True).serial == f"{certificate.serial_number:x}"
