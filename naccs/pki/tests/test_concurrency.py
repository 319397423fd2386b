"""Two 取得 of one terminal at the same moment: the terminal row lock lets one through, then the other decides."""

import pytest

from naccs.pki import acquisition, pickups
from naccs.pki.models import CertificatePickup
from naccs.terminals.models import Certificate
from naccs.tests.helpers import at_once

from .conftest import acquire, certify

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_pickup_gives_one_certificate_to_two_simultaneous_requests(terminal):
    certify(terminal, age_days=30)  # outside the renewal window: only the pickup allows 取得
    pickups.open_pickup(terminal=terminal)
    results, errors = at_once(acquire, count=2)
    assert len(results) == 1
    assert [type(error) for error in errors] == [acquisition.AcquisitionRefused]
    assert Certificate.objects.filter(terminal=terminal, revoked_at__isnull=True).get() == results[0].certificate
    assert CertificatePickup.objects.get().certificate == results[0].certificate


def test_simultaneous_renewals_give_one_certificate(renewable):
    results, errors = at_once(acquire, count=2)
    # The second sees the first one's new certificate, a year from expiry: outside the renewal window.
    assert len(results) == 1
    assert [type(error) for error in errors] == [acquisition.AcquisitionRefused]
    assert Certificate.objects.filter(terminal=renewable, revoked_at__isnull=True).get() == results[0].certificate
