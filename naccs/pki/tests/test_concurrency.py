"""Two 取得 of one terminal at the same moment: the terminal row lock lets one through, then the other decides;
a pickup used while its closing waits stays used."""

import time

import pytest
from django.db import connection

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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_pickup_acquired_while_its_closing_waits_is_not_closed(terminal):
    """The closing lists the pickup as past its deadline, then waits for the row a 取得 holds; once the 取得 commits,
    the closing must see the pickup used and leave it."""
    import threading
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    certify(terminal, age_days=30)
    pickup = pickups.open_pickup(terminal=terminal)
    after_deadline = pickup.expires_at + timedelta(minutes=1)
    holding, closing_started = threading.Event(), threading.Event()
    closed = []

    def acquire_slowly():
        with transaction.atomic():
            locked = CertificatePickup.objects.select_for_update().get(pk=pickup.pk)
            holding.set()
            closing_started.wait(5)
            time.sleep(0.5)  # the closing is now waiting for this row
            locked.acquired_at = timezone.now()
            locked.save(update_fields=["acquired_at"])
        connection.close()

    def close():
        holding.wait(5)
        closing_started.set()
        closed.append(pickups.close_stale_pickups(now=after_deadline))
        connection.close()

    threads = [threading.Thread(target=acquire_slowly), threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    pickup.refresh_from_db()
    assert closed == [0] and pickup.closed_at is None and pickup.acquired_at is not None
