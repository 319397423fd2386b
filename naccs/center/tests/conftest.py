from types import SimpleNamespace

import pytest
from django.utils import timezone

from naccs.applications.models import ReissueApplication, ReissueApplicationTerminal
from naccs.lib.business_days import next_business_day, today
from naccs.tests.helpers import make_terminal

_counter = {"n": 0}


@pytest.fixture
def run_day():
    return next_business_day(today())


@pytest.fixture
def make_application(user, run_day):
    """A registered (受付済) 申込 for `run_day` naming `count` new terminals."""

    def make(*, company=None, count=2, status=ReissueApplication.Status.SUBMITTED, reason="expired", day=None):
        company = company or user.company
        _counter["n"] += 1
        n = _counter["n"]
        application = ReissueApplication.objects.create(
            company=company,
            created_by=user,
            status=status,
            receipt_number=f"2026{n:07d}",
            applicant_last_name="通関",
            applicant_first_name="花子",
            applicant_email="hanako@example.jp",
            desired_date=day or run_day,
            reason=reason,
            submitted_at=timezone.now(),
        )
        for i in range(count):
            terminal = make_terminal(company, f"{n % 10000:04d}{i:02d}"[-6:])
            ReissueApplicationTerminal.objects.create(application=application, terminal=terminal)
        return application

    return make


@pytest.fixture
def fake_pki(monkeypatch):
    """A stand-in CA that records every call (the real one is exercised by the lifecycle test)."""
    calls = SimpleNamespace(revoked=[], pickups=[], crl=0)

    def revoke_certificate(*, certificate, reason, actor=None, rebuild_crl=True):
        assert rebuild_crl is False
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
        calls.revoked.append((certificate.serial, reason))

    def open_pickup(*, terminal, application=None, actor=None):
        calls.pickups.append(terminal.name)

    def rebuild_crl():
        calls.crl += 1

    module = SimpleNamespace(revoke_certificate=revoke_certificate, open_pickup=open_pickup, rebuild_crl=rebuild_crl)
    monkeypatch.setattr("naccs.center.services._pki", lambda: module)
    return calls
