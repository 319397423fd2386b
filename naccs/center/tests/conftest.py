from types import SimpleNamespace

import pytest
from django.utils import timezone


@pytest.fixture
def fake_pki(monkeypatch):
    """The CA's revoking, pickups and CRL replaced by stand-ins that record every call (the real ones are exercised by
    test_with_ca and test_lifecycle)."""
    calls = SimpleNamespace(revoked=[], pickups=[], crl=0)

    def revoke_certificate(*, certificate, reason, actor=None):
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
        calls.revoked.append((certificate.serial, reason))

    def open_pickup(*, terminal, application=None, actor=None):
        calls.pickups.append(terminal.name)

    def rebuild_crl():
        calls.crl += 1

    monkeypatch.setattr("naccs.pki.revocation.revoke_certificate", revoke_certificate)
    monkeypatch.setattr("naccs.pki.pickups.open_pickup", open_pickup)
    monkeypatch.setattr("naccs.pki.revocation.rebuild_crl", rebuild_crl)
    return calls
