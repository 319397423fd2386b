"""Issue 25 #1 and #2: CA generations, the staged rollover (prepare → publish → switch → retire) and revocation per
generation, each verifiable against its own generation's CA certificate alone."""

import base64
import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509 import ocsp
from django.core.management import CommandError, call_command

from naccs.audit.models import AuditEvent
from naccs.mailer.models import OutboundMail
from naccs.pki import ca, est, generation, generation_steps, generations, server_certificate
from naccs.pki.models import CAGeneration
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate
from naccs.tests.helpers import uncertified_terminal

from .conftest import certify, openssl, write_pem
from .est_helpers import REENROLL, csr_for, est_body, from_proxy
from .test_standards import pkilint

pytestmark = pytest.mark.django_db
State = CAGeneration.State


@pytest.fixture
def own_ca(settings, session_ca_dir, tmp_path):
    """A copy of the session's CA in a folder of this test's own: a rollover writes into CA_DIR."""
    directory = tmp_path / "ca"
    shutil.copytree(session_ca_dir, directory)
    settings.CA_DIR = directory
    return directory


def rolled_over(**options) -> CAGeneration:
    """The one-step rollover of `ca_rotate`: generation 2 prepared, published and issuing."""
    new = generation_steps.prepare(key_type="ec", **options)
    generation_steps.publish(new.number)
    return generation_steps.switch(new.number)


def test_an_existing_ca_is_generation_1_without_any_command(own_ca):
    assert not CAGeneration.objects.exists()
    first = generations.issuing()
    assert (first.number, first.state, first.folder) == (1, State.ISSUING, "")
    assert generations.certificate_of(first) == ca.get_authority().certificate
    generations.register_first()
    assert CAGeneration.objects.count() == 1


def test_the_generations_go_one_way_each_step_audited(own_ca):
    new = generation_steps.prepare(key_type="ec")
    assert new.number == 2 and new.state == State.PREPARED
    assert new.subject.startswith("CN=NACCS Support Test CA G2,")
    with pytest.raises(generation_steps.GenerationRefused, match="公開済み"):
        generation_steps.switch(2)  # not published yet
    with pytest.raises(generation_steps.GenerationRefused, match="準備済み"):
        generation_steps.prepare(key_type="ec")  # one rollover at a time
    assert ca.get_authority().certificate == generations.certificate_of(generations.numbered(1))  # still G1

    generation_steps.publish(2)
    with pytest.raises(generation_steps.GenerationRefused, match="準備済みの世代"):
        generation_steps.publish(2)
    with pytest.raises(generation_steps.GenerationRefused, match="発行中の世代は先に"):
        generation_steps.retire(1)
    generation_steps.switch(2)

    assert [(g.number, g.state) for g in generations.all_generations()] == [(1, State.SUPERSEDED), (2, State.ISSUING)]
    assert ca.get_authority().certificate == generations.certificate_of(generations.numbered(2))
    actions = list(AuditEvent.objects.filter(action__startswith="ca.generation.").values_list("action", flat=True))
    assert sorted(actions) == sorted(["ca.generation.prepared", "ca.generation.published",
                                      "ca.generation.superseded", "ca.generation.issuing"])  # fmt: skip
    third = rolled_over(common_name="NACCS Support Issuing CA 2030 G2")  # a suffix given is replaced
    assert third.subject.startswith("CN=NACCS Support Issuing CA 2030 G3,")


def test_the_rollover_certificates_tie_the_generations_both_ways(own_ca):
    old = generations.certificate_of(generations.issuing())
    new_row = rolled_over()
    new = generations.certificate_of(new_row)
    new_with_old = x509.load_pem_x509_certificate(new_row.new_with_old_pem.encode())
    old_with_new = x509.load_pem_x509_certificate(new_row.old_with_new_pem.encode())
    new_with_old.verify_directly_issued_by(old)
    assert new_with_old.public_key() == new.public_key() and new_with_old.subject == new.subject
    old_with_new.verify_directly_issued_by(new)
    assert old_with_new.public_key() == old.public_key() and old_with_new.subject == old.subject
    for certificate in (new, new_with_old, old_with_new):
        path = write_pem(own_ca / "linted.pem", certificate)
        assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(path)) == ""


def test_after_the_switch_certificates_come_from_the_new_generation(own_ca, terminal, client):
    rolled_over()
    issued = certify(terminal, age_days=1)
    certificate = x509.load_pem_x509_certificate(issued.pem.encode())
    assert issued.ca_generation == 2
    certificate.verify_directly_issued_by(generations.certificate_of(generations.numbered(2)))
    crl_point = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert crl_point[0].full_name[0].value.endswith("/pki/crl/g2")
    ca_issuers = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert ca_issuers[1].access_location.value.endswith("/pki/ca/g2")
    assert x509.load_der_x509_certificate(client.get("/pki/ca/g2").content) == certificate_issuer(issued)
    pkilint_path = write_pem(own_ca / "leaf.pem", certificate)
    assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(pkilint_path)) == ""


def certificate_issuer(row: Certificate) -> x509.Certificate:
    return generations.certificate_of(generations.numbered(row.ca_generation))


def test_retiring_a_generation_with_valid_certificates_is_refused(own_ca, terminal):
    old = certify(terminal, age_days=10)
    rolled_over()
    with pytest.raises(generation_steps.GenerationRefused, match="有効な証明書が1枚"):
        generation_steps.retire(1)
    assert generations.numbered(1).state == State.SUPERSEDED
    old.refresh_from_db()
    assert old.revoked_at is None
    certify(terminal, age_days=1)  # renewed into G2: the G1 certificate is superseded
    generation_steps.retire(1)
    assert generations.numbered(1).state == State.RETIRED


def test_a_forced_retirement_revokes_with_notice(own_ca, terminal, user):
    old = certify(terminal, age_days=10)
    rolled_over()
    with pytest.raises(CommandError, match="--force"):
        call_command("ca_generation", "retire", "1")
    call_command("ca_generation", "retire", "1", "--force")
    old.refresh_from_db()
    assert old.revocation_reason == Certificate.RevocationReason.CA_COMPROMISE and old.revoked_at is not None
    mail = OutboundMail.objects.get(company=terminal.company, to=user.email)
    assert terminal.name in mail.body and "第1世代" in mail.body
    assert NewsItem.objects.filter(company=terminal.company, text__contains=terminal.name).exists()
    assert AuditEvent.objects.filter(action="certificate.revoked", object_id=str(old.pk)).exists()
    # Its revocation data is still published, signed by its own key.
    crl = x509.load_der_x509_crl(revocation_crl(1))
    assert (
        crl.get_revoked_certificate_by_serial_number(int(old.serial, 16))
        .extensions.get_extension_for_class(x509.CRLReason)
        .value.reason
        == x509.ReasonFlags.ca_compromise
    )


def revocation_crl(number: int) -> bytes:
    from naccs.pki import revocation

    return bytes(revocation.current_crl(generation=number).der)


def test_each_generation_publishes_its_own_crl(own_ca, terminal, client, tmp_path):
    old = certify(terminal, age_days=10)
    rolled_over()
    first_crl_numbers = x509.load_der_x509_crl(client.get("/pki/crl").content).extensions
    revoke(old)
    write_pem(tmp_path / "g1.pem", certificate_issuer(old))
    write_pem(tmp_path / "g2.pem", generations.certificate_of(generations.numbered(2)))
    (tmp_path / "g1.crl").write_bytes(client.get("/pki/crl").content)
    (tmp_path / "g2.crl").write_bytes(client.get("/pki/crl/g2").content)
    for name, listed in (("g1", True), ("g2", False)):
        checked = openssl("crl", "-inform", "DER", "-in", f"{name}.crl", "-CAfile", f"{name}.pem", "-noout", "-text",
                          cwd=tmp_path)  # fmt: skip
        assert "verify OK" in checked.stderr, checked.stderr
        crl = x509.load_der_x509_crl((tmp_path / f"{name}.crl").read_bytes())
        assert (crl.get_revoked_certificate_by_serial_number(int(old.serial, 16)) is not None) == listed
        assert (
            pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING", str(tmp_path / f"{name}.crl")) == ""
        )
    wrong = openssl("crl", "-inform", "DER", "-in", "g1.crl", "-CAfile", "g2.pem", "-noout", cwd=tmp_path)
    assert "verify OK" not in wrong.stderr
    # Each generation numbers its own CRLs: generation 2 starts at 1, generation 1 goes on.
    assert (
        x509.load_der_x509_crl((tmp_path / "g2.crl").read_bytes())
        .extensions.get_extension_for_class(x509.CRLNumber)
        .value.crl_number
        == 1
    )
    assert (
        first_crl_numbers.get_extension_for_class(x509.CRLNumber).value.crl_number
        < x509.load_der_x509_crl((tmp_path / "g1.crl").read_bytes())
        .extensions.get_extension_for_class(x509.CRLNumber)
        .value.crl_number
    )
    assert client.get("/pki/crl/g7").status_code == 404


def revoke(row: Certificate) -> None:
    from naccs.pki.revocation import revoke_certificate

    revoke_certificate(certificate=row, reason=Certificate.RevocationReason.KEY_COMPROMISE)


def ocsp_der(leaf: x509.Certificate, issuer: x509.Certificate) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1()).build()
    return request.public_bytes(serialization.Encoding.DER)


def ask(client, der: bytes) -> ocsp.OCSPResponse:
    answer = client.post("/pki/ocsp", der, content_type="application/ocsp-request")
    return ocsp.load_der_ocsp_response(answer.content)


def test_ocsp_answers_for_the_issuer_the_request_names(own_ca, terminal, client, tmp_path):
    old = certify(terminal, age_days=10)
    rolled_over()
    revoke(old)
    g1, g2 = certificate_issuer(old), generations.certificate_of(generations.numbered(2))
    leaf = x509.load_pem_x509_certificate(old.pem.encode())
    assert ask(client, ocsp_der(leaf, g1)).certificate_status == ocsp.OCSPCertStatus.REVOKED
    # The same serial asked "as generation 2", which never issued it: unknown, not revoked.
    assert ask(client, ocsp_der(leaf, g2)).certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    # An issuer that is none of ours: unknown.
    other_key = ca.new_private_key("ec")
    other = leaf_signed_by_stranger(other_key)
    assert ask(client, ocsp_der(leaf, other)).certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    # openssl with generation 1's certificate alone verifies the answer (its own delegated responder).
    write_pem(tmp_path / "g1.pem", g1)
    write_pem(tmp_path / "old.pem", leaf)
    (tmp_path / "answer.der").write_bytes(client.post("/pki/ocsp", ocsp_der(leaf, g1),
                                                      content_type="application/ocsp-request").content)  # fmt: skip
    checked = openssl("ocsp", "-respin", "answer.der", "-CAfile", "g1.pem", "-issuer", "g1.pem", "-cert", "old.pem",
                      cwd=tmp_path)  # fmt: skip
    assert "Response verify OK" in checked.stderr and "old.pem: revoked" in checked.stdout, checked.stderr
    assert pkilint("lint_ocsp_response", "lint", "-s", "WARNING", str(tmp_path / "answer.der")) == ""


def leaf_signed_by_stranger(key) -> x509.Certificate:
    """A CA certificate that is none of our generations."""
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Someone Else CA")])
    now = ca.datetime.datetime.now(ca.datetime.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + ca.datetime.timedelta(days=1))
    )  # fmt: skip
    return builder.sign(key, hashes.SHA256())


def test_est_renews_a_certificate_of_the_old_generation_into_the_new_one(own_ca, renewable, client, proxy_secret):
    old = Certificate.objects.get(terminal=renewable)
    rolled_over()
    _key, csr = csr_for(renewable.name)
    answer = client.post(REENROLL, est_body(csr), content_type="application/pkcs10", **from_proxy(old.pem))
    assert answer.status_code == 200, answer.content.decode()
    renewed = pkcs7.load_der_pkcs7_certificates(base64.b64decode(answer.content))[0]
    renewed.verify_directly_issued_by(generations.certificate_of(generations.numbered(2)))
    assert Certificate.objects.get(serial=f"{renewed.serial_number:x}").ca_generation == 2
    # /cacerts: both generations and both rollover certificates (RFC 7030 §4.1.3).
    bundle = pkcs7.load_der_pkcs7_certificates(base64.b64decode(client.get("/.well-known/est/cacerts").content))
    second = generations.numbered(2)
    expected = {generations.certificate_of(second), certificate_issuer(old),
                x509.load_pem_x509_certificate(second.new_with_old_pem.encode()),
                x509.load_pem_x509_certificate(second.old_with_new_pem.encode())}  # fmt: skip
    assert set(bundle) == expected  # a SET OF in DER: in no order of ours
    assert client.get("/pki/ca.pem").content.count(b"BEGIN CERTIFICATE") == 4


def test_a_retired_generation_is_no_longer_accepted(own_ca, renewable, client, proxy_secret):
    old = Certificate.objects.get(terminal=renewable)
    rolled_over()
    generation_steps.retire(1, force=True)
    _key, csr = csr_for(renewable.name)
    answer = client.post(REENROLL, est_body(csr), content_type="application/pkcs10", **from_proxy(old.pem))
    assert answer.status_code == 403


def test_nginx_trusts_every_trusted_generation_and_its_certificate_is_from_the_oldest(own_ca, tmp_path, terminal):
    g1 = generations.certificate_of(generations.issuing())
    certify(terminal, age_days=10)
    rolled_over()
    g2 = generations.certificate_of(generations.numbered(2))
    tls = tmp_path / "tls"
    server_certificate.ensure_server_certificate(tls, ["127.0.0.1"])
    assert set(x509.load_pem_x509_certificates((tls / server_certificate.CLIENT_CA).read_bytes())) == {g1, g2}
    x509.load_pem_x509_certificate((tls / server_certificate.SERVER_CERT).read_bytes()).verify_directly_issued_by(g1)
    certify(terminal, age_days=1)  # the terminal renewed: nothing valid is left in generation 1
    generation_steps.retire(1)
    assert server_certificate.ensure_server_certificate(tls, ["127.0.0.1"])  # re-issued, by generation 2
    assert x509.load_pem_x509_certificates((tls / server_certificate.CLIENT_CA).read_bytes()) == [g2]
    x509.load_pem_x509_certificate((tls / server_certificate.SERVER_CERT).read_bytes()).verify_directly_issued_by(g2)


def test_the_start_check_compares_ca_dir_with_the_issuing_generation(own_ca):
    rolled_over()
    generation.check_generation()
    ca.set_issuing("")  # this host's CA_DIR still names generation 1
    with pytest.raises(generation.CAGenerationMismatch):
        generation.check_generation()
    generation_steps.switch(2)  # running the switch again repairs it
    generation.check_generation()


def test_the_dashboard_counts_terminals_per_generation(own_ca, company, terminal, admin_client):
    certify(terminal, age_days=10)
    rolled_over()
    certify(uncertified_terminal(company, name="11110B"), age_days=1)
    assert [(g.number, n) for g, n in generations.terminals_per_generation()] == [(1, 1), (2, 1)]
    page = admin_client.get("/center/dashboard/").content.decode()
    assert "第1世代" in page and "第2世代" in page and 'id="fleet-generations"' in page


def test_renewing_in_the_browser_moves_an_old_generation_certificate_to_the_new_one(own_ca, renewable):
    """「更新する」 on the 取得 page: the G1 certificate presented gives a G2 certificate, in a PKCS#12 that also
    carries G1 (nginx's certificate is still G1's)."""
    old = Certificate.objects.get(terminal=renewable)
    rolled_over()
    presented = x509.load_pem_x509_certificate(old.pem.encode())
    assert est.renewal_offer(presented) == old
    acquired = est.renew_in_browser(presented=presented, password="p12-pass-2026", client_address="192.0.2.1")
    assert acquired.certificate.ca_generation == 2
    bundle = pkcs12.load_pkcs12(acquired.pkcs12, b"p12-pass-2026")
    g1, g2 = certificate_issuer(old), generations.certificate_of(generations.numbered(2))
    bundle.cert.certificate.verify_directly_issued_by(g2)
    assert [extra.certificate for extra in bundle.additional_certs] == [g2, g1]


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_forgot_a_revocation_of_generation_2_is_found_and_repaired(own_ca, terminal, tmp_path):
    from naccs.pki import restore as restored
    from naccs.pki import revocation

    from .test_restore import back_up, restore

    rolled_over()
    certificate = certify(terminal, age_days=10)
    revocation.rebuild_crl(generation=2)
    dump = back_up()
    revoke(certificate)
    revocation.rebuild_crl(generation=2)
    restore(dump, tmp_path)
    gap = restored.restore_gap()
    assert (gap.generation, gap.revoked_since) == (2, [certificate.serial])
    assert restored.revoke_again() == [certificate.serial]
    assert revocation.current_crl(generation=2).number == gap.published_number + 1


def test_the_commands_say_each_step_in_japanese(own_ca, terminal):
    from io import StringIO

    def run(*args) -> str:
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    certify(terminal, age_days=10)
    assert "第2世代の認証局を準備しました" in run("ca_generation", "prepare")
    assert "第2世代の認証局を公開しました" in run("ca_generation", "publish", "2")
    assert "第2世代の認証局で発行を開始しました" in run("ca_generation", "switch", "2")
    listed = run("ca_generation", "list").splitlines()
    assert listed[0].startswith("G1  発行終了") and listed[0].endswith("端末 1")
    assert listed[1].startswith("G2  発行中") and "CN=NACCS Support Test CA G2" in listed[1]
    with pytest.raises(CommandError, match="世代の番号を指定してください"):
        run("ca_generation", "publish")
