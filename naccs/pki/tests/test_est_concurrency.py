"""Two EST renewals with one certificate at the same moment: the terminal row lock lets one through and the other
sees the certificate superseded."""

import base64

import pytest
from cryptography import x509

from naccs.pki import enrollment, est, pickups
from naccs.terminals.models import Certificate
from naccs.tests.helpers import CODES, at_once

from .est_helpers import csr_for, est_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_renewals_with_one_certificate_give_one_certificate(renewable):
    current = Certificate.objects.get(terminal=renewable)
    presented = x509.load_pem_x509_certificate(current.pem.encode())

    def renew():
        _, csr = csr_for("11110A")
        return est.renew(presented=presented, csr_body=est_body(csr), client_address="192.0.2.1")

    results, errors = at_once(renew, count=2)
    assert len(results) == 1, errors
    assert [(type(error), error.status) for error in errors] == [(est.ESTRefused, 403)]
    assert Certificate.objects.filter(terminal=renewable, revoked_at__isnull=True).get() == results[0].certificate


def test_simultaneous_first_acquisitions_with_the_codes_use_the_pickup_once(terminal):
    """simpleenroll (pki.enrollment) sent twice at once with the same key, as a client whose first attempt seemed lost
    may: one certificate, the other request answered with it; with another key, refused."""
    pickups.open_pickup(terminal=terminal)
    key, _ = csr_for("11110A")
    authorization = "Basic " + base64.b64encode(f"11110A:{'-'.join(CODES)}".encode()).decode()

    def enroll(same_key=True):
        _, csr = csr_for("11110A", key if same_key else None)
        return enrollment.enroll(
            authorization=authorization, through_proxy=True, csr_body=est_body(csr), client_address="192.0.2.1"
        )

    results, errors = at_once(enroll, count=2)
    assert errors == [] and len(results) == 2 and results[0] == results[1]
    assert Certificate.objects.filter(terminal=terminal).count() == 1

    results, errors = at_once(lambda: enroll(same_key=False), count=2)
    assert results == [] and {error.status for error in errors} == {403}
    assert Certificate.objects.filter(terminal=terminal).count() == 1
