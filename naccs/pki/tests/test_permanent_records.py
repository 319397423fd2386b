"""A CA never forgets what it issued or revoked: no code path and no staff member deletes a certificate, a CRL, an
OCSP answer of a valid certificate, a pickup or an audit event, or rewrites what they say (issue 24 #5)."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.lib.permanent import PermanentRecordError
from naccs.pki import ocsp_prepared, pickups, revocation
from naccs.pki.models import CertificatePickup, CertificateRevocationList, PreparedOCSPResponse
from naccs.pki.tests.conftest import certify
from naccs.terminals.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(terminal):
    return certify(terminal, age_days=10)


def test_a_certificate_is_deleted_by_no_path(certificate, terminal):
    with pytest.raises(PermanentRecordError):
        certificate.delete()
    with pytest.raises(PermanentRecordError):
        Certificate.objects.filter(pk=certificate.pk).delete()
    with pytest.raises(PermanentRecordError):
        terminal.certificates.all().delete()
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_what_a_certificate_says_never_changes(certificate):
    with pytest.raises(PermanentRecordError):
        Certificate.objects.filter(pk=certificate.pk).update(not_after=timezone.now() + timedelta(days=3650))
    with pytest.raises(PermanentRecordError):
        Certificate.objects.filter(pk=certificate.pk).update(serial="ffff", revoked_at=timezone.now())
    certificate.serial = "ffff"
    with pytest.raises(PermanentRecordError):
        certificate.save()
    assert Certificate.objects.get(pk=certificate.pk).not_after == certificate.not_after


def test_a_revocation_is_written_once_and_never_undone(certificate):
    revoked = revocation.revoke_certificate(certificate=certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    with pytest.raises(PermanentRecordError):
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=None, revocation_reason="")
    with pytest.raises(PermanentRecordError):
        Certificate.objects.filter(pk=certificate.pk).update(revocation_reason=Certificate.RevocationReason.SUPERSEDED)
    revoked.revoked_at = None
    with pytest.raises(PermanentRecordError):
        revoked.save(update_fields=["revoked_at"])
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.revoked_at is not None and stored.revocation_reason == Certificate.RevocationReason.KEY_COMPROMISE


def test_a_published_crl_is_never_changed_or_deleted(certificate):
    crl = revocation.current_crl()
    with pytest.raises(PermanentRecordError):
        crl.delete()
    with pytest.raises(PermanentRecordError):
        CertificateRevocationList.objects.all().delete()
    with pytest.raises(PermanentRecordError):
        CertificateRevocationList.objects.update(next_update=timezone.now() + timedelta(days=365))
    crl.der = b"forged"
    with pytest.raises(PermanentRecordError):
        crl.save()
    assert bytes(CertificateRevocationList.objects.get(pk=crl.pk).der) != b"forged"


def test_the_ocsp_answers_of_a_valid_certificate_stay_until_it_expires(certificate):
    revocation.revoke_certificate(certificate=certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    ocsp_prepared.refresh_prepared()
    answers = PreparedOCSPResponse.objects.filter(certificate=certificate)
    assert answers.count() == 2
    with pytest.raises(PermanentRecordError):
        answers.delete()
    with pytest.raises(PermanentRecordError):
        answers.first().delete()
    PreparedOCSPResponse.objects.forget_expired(timezone.now())
    assert list(answers.values_list("revoked", flat=True)) == [True, True]
    PreparedOCSPResponse.objects.forget_expired(certificate.not_after + timedelta(seconds=1))
    assert not answers.exists()


def test_pickups_and_audit_events_are_never_deleted(certificate, terminal):
    pickup = pickups.open_pickup(terminal=terminal)
    for rows in (CertificatePickup.objects.filter(pk=pickup.pk), AuditEvent.objects.all()):
        assert rows.exists()
        with pytest.raises(PermanentRecordError):
            rows.delete()
        with pytest.raises(PermanentRecordError):
            rows.first().delete()
    with pytest.raises(PermanentRecordError):
        AuditEvent.objects.update(action="forged")
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(PermanentRecordError):
        event.save()
    assert not AuditEvent.objects.filter(action="forged").exists()


def test_not_even_a_superuser_deletes_a_certificate_in_the_back_office(certificate, staff_client, staff_user):
    url = reverse("admin:terminals_certificate_delete", args=[certificate.pk])
    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:terminals_certificate_changelist")
    staff_client.post(changelist, {"action": "delete_selected", "_selected_action": [certificate.pk], "post": "yes"})
    change = reverse("admin:terminals_certificate_change", args=[certificate.pk])
    assert staff_client.post(change, {"not_after_0": "2099-01-01", "not_after_1": "00:00:00"}).status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).not_after == certificate.not_after
    request = RequestFactory().get(changelist)
    request.user = staff_user
    assert "delete_selected" not in admin.site.get_model_admin(Certificate).get_actions(request)
