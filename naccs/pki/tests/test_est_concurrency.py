"""Two EST renewals with one certificate at the same moment: the terminal row lock lets one through and the other
sees the certificate superseded."""

import pytest
from cryptography import x509

from naccs.pki import est
from naccs.terminals.models import Certificate
from naccs.tests.helpers import at_once

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
