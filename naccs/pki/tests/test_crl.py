"""The CRL at /pki/crl is rebuilt at the fetch after a batch of revocations, not after each revocation."""

import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from cryptography import x509
from django.db import IntegrityError
from django.utils import timezone
from django.utils.http import http_date
from django_tasks_db.models import DBTaskResult

from naccs.pki import revocation
from naccs.pki.models import CertificateRevocationList
from naccs.terminals.models import Certificate
from naccs.tests.helpers import at_once

from .conftest import acquire, certify, uncertified_terminal

pytestmark = pytest.mark.django_db


def fetch(client) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(client.get("/pki/crl").content)


def number_of(crl) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def listed(crl, certificate) -> x509.RevokedCertificate | None:
    return crl.get_revoked_certificate_by_serial_number(int(certificate.serial, 16))


def test_a_revocation_after_the_newest_crl_is_in_the_next_fetch(renewable, client):
    before = fetch(client)
    previous = Certificate.objects.get(terminal=renewable)
    acquire()
    after = fetch(client)
    assert number_of(after) == number_of(before) + 1
    entry = listed(after, previous)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.superseded


def test_fetches_without_revocations_in_between_serve_the_same_crl(renewable, client):
    first = fetch(client)
    assert number_of(fetch(client)) == number_of(first)
    acquire()
    rebuilt = number_of(fetch(client))
    assert number_of(fetch(client)) == rebuilt == number_of(first) + 1
    assert CertificateRevocationList.objects.count() == 2


def test_a_batch_of_revocations_makes_one_new_crl(company, client):
    first = fetch(client)
    terminals = [uncertified_terminal(company, name=f"1111{number}A") for number in range(3)]
    for terminal in terminals:
        certify(terminal, age_days=350)
        certify(terminal, age_days=0)  # supersedes the first
    crl = fetch(client)
    assert number_of(crl) == number_of(first) + 1
    revoked = Certificate.objects.filter(revoked_at__isnull=False)
    assert revoked.count() == 3 and all(listed(crl, certificate) for certificate in revoked)


def test_a_revocation_committed_after_the_crl_was_signed_is_caught(renewable, client):
    """A revoking transaction stamps revoked_at before it commits; a CRL signed in between misses it."""
    crl = revocation.current_crl()
    previous = Certificate.objects.get(terminal=renewable)
    Certificate.objects.filter(pk=previous.pk).update(
        revoked_at=crl.this_update - timedelta(seconds=1), revocation_reason=Certificate.RevocationReason.SUPERSEDED
    )
    assert listed(fetch(client), previous) is not None


def test_each_crl_is_parsed_once_for_the_staleness_check(renewable, monkeypatch):
    acquire()
    crl = revocation.rebuild_crl()  # lists the revocation, which is inside the look-back window
    load = x509.load_der_x509_crl
    loads = []
    monkeypatch.setattr(x509, "load_der_x509_crl", lambda der: loads.append(1) or load(der))
    assert not revocation.crl_is_stale(crl, timezone.now())
    assert not revocation.crl_is_stale(CertificateRevocationList.objects.get(pk=crl.pk), timezone.now())
    assert len(loads) == 1


def test_acquiring_enqueues_no_crl_rebuild(renewable, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        acquire()
    assert not DBTaskResult.objects.filter(task_path__endswith="rebuild_crl_task").exists()


def test_an_explicit_rebuild_always_signs_a_new_crl():
    first = revocation.current_crl()
    assert revocation.rebuild_crl().number == first.number + 1


def test_a_crl_number_taken_meanwhile_is_tried_again(renewable, monkeypatch):
    """PostgreSQL: a concurrent fetch can publish the number we computed while we waited for the lock."""
    first = revocation.current_crl()
    acquire()
    sign = revocation._sign_crl
    calls = []

    def taken_once(*, number, now, generation):
        calls.append(number)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return sign(number=number, now=now, generation=generation)

    monkeypatch.setattr(revocation, "_sign_crl", taken_once)
    assert revocation.current_crl().number == first.number + 1
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_fetches_after_a_revocation_publish_one_crl(renewable, monkeypatch):
    first = revocation.current_crl()
    acquire()
    sign = revocation._sign_crl

    def slow_sign(*, number, now, generation):
        time.sleep(0.2)  # the others reach the lock while the first one signs
        return sign(number=number, now=now, generation=generation)

    monkeypatch.setattr(revocation, "_sign_crl", slow_sign)
    results, errors = at_once(revocation.current_crl, count=4)
    assert not errors, errors
    assert {crl.number for crl in results} == {first.number + 1}
    assert CertificateRevocationList.objects.count() == 2


def test_the_crl_carries_validators_and_answers_conditional_gets_with_304(renewable, client):
    response = client.get("/pki/crl")
    crl = x509.load_der_x509_crl(response.content)
    assert response["Last-Modified"] == http_date(crl.last_update_utc.timestamp())
    assert response["Expires"] == http_date(crl.next_update_utc.timestamp())
    for headers in ({"If-None-Match": response["ETag"]}, {"If-Modified-Since": response["Last-Modified"]}):
        again = client.get("/pki/crl", headers=headers)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == response["ETag"]
    acquire()  # revokes the previous certificate: a new CRL, whose tag differs
    changed = client.get("/pki/crl", headers={"If-None-Match": response["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]
    assert number_of(x509.load_der_x509_crl(changed.content)) == number_of(crl) + 1


def test_expired_certificates_leave_the_crl(renewable, client):
    previous = Certificate.objects.get(terminal=renewable)
    acquire()
    assert listed(fetch(client), previous) is not None
    after_expiry = previous.not_after + timedelta(seconds=1)
    assert listed(x509.load_der_x509_crl(bytes(revocation.rebuild_crl(after_expiry).der)), previous) is None


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_crl_is_signed(renewable, monkeypatch):
    from django.db import connection

    from naccs.pki import ca

    sign = ca.CertificateAuthority.sign
    seen = []

    def watching(self, builder):
        seen.append(connection.in_atomic_block)
        return sign(self, builder)

    acquire()
    monkeypatch.setattr(ca.CertificateAuthority, "sign", watching)
    revocation.rebuild_crl()
    assert seen == [False]


def test_the_unspecified_reason_is_left_out_of_the_entry(renewable):
    previous = Certificate.objects.get(terminal=renewable)
    revocation.revoke_certificate(certificate=previous, reason=Certificate.RevocationReason.UNSPECIFIED)
    entry = listed(x509.load_der_x509_crl(bytes(revocation.rebuild_crl().der)), previous)
    assert entry is not None and not list(entry.extensions)


def test_the_worker_publishes_a_revocation_without_any_fetch(renewable):
    from naccs.pki.tasks import refresh_revocation_data_task

    first = revocation.current_crl()
    previous = Certificate.objects.get(terminal=renewable)
    revocation.revoke_certificate(certificate=previous, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    result = refresh_revocation_data_task.call()
    newest = CertificateRevocationList.objects.first()
    assert result["crl_number"] == newest.number == first.number + 1
    assert listed(x509.load_der_x509_crl(bytes(newest.der)), previous) is not None


def test_the_scheduler_enqueues_the_worker_every_minute():
    from naccs.center import scheduler

    assert "refresh_revocation_data" in scheduler.tick()
    assert "refresh_revocation_data" in scheduler.tick()
    assert DBTaskResult.objects.filter(task_path__endswith="refresh_revocation_data_task").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_revocation_is_in_the_crl_the_production_server_publishes_within_60_seconds(
    renewable, production_server, answers_kept
):
    def served():
        with urllib.request.urlopen(f"{production_server}/pki/crl", timeout=5) as response:
            return x509.load_der_x509_crl(response.read())

    served()
    previous = Certificate.objects.get(terminal=renewable)
    revocation.revoke_certificate(certificate=previous, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    started = time.monotonic()
    while listed(served(), previous) is None:
        assert time.monotonic() - started < 60
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_the_production_server_answers_a_crl_revalidation_with_304(renewable, production_server):
    """What HTTP caches in front of the responder and the portal send when the CRL's max-age has passed."""
    url = f"{production_server}/pki/crl"
    with urllib.request.urlopen(url, timeout=5) as response:
        validators = {"If-None-Match": response.headers["ETag"], "If-Modified-Since": response.headers["Last-Modified"]}
    for name, value in validators.items():
        with pytest.raises(urllib.error.HTTPError) as revalidated:
            urllib.request.urlopen(urllib.request.Request(url, headers={name: value}), timeout=5)
        assert revalidated.value.code == 304 and revalidated.value.read() == b"", name
