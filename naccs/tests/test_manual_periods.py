"""The manual's periods, pinned as the manual states them (never computed from the constants that enforce them):
a certificate is valid 1年間 from the day it is acquired, may be renewed from 28日前 of its expiry, and a reissued
certificate not acquired within 2か月 is closed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone

from naccs.center import reminders
from naccs.center.models import ExpiryReminder
from naccs.contract.selectors import RENEWABLE, VALID, contract_terminals, with_status
from naccs.pki import acquisition, pickups
from naccs.pki.models import CertificatePickup
from naccs.pki.tests.conftest import CODES, P12_PASSWORD, acquire, certify, uncertified_terminal
from naccs.terminals.models import Certificate

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def terminal(company):
    return uncertified_terminal(company)


def certificate_expiring_in(terminal, days: int) -> Certificate:
    """The terminal's certificate, made to expire `days` days from now (at this time of day)."""
    return certify(terminal, expires_at=timezone.now() + timedelta(days=days))


def test_a_certificate_acquired_on_2027_03_01_is_valid_until_2028_03_01(terminal, clock):
    clock.at("2027-02-01T07:00", tick=False)  # the morning run that opened the pickup
    certify(terminal, age_days=0)
    pickups.open_pickup(terminal=terminal)
    clock.at("2027-03-01T10:00", tick=False)
    leaf = pkcs12.load_pkcs12(acquire().pkcs12, P12_PASSWORD.encode()).cert.certificate
    assert leaf.not_valid_before_utc == datetime(2027, 3, 1, 10, 0, tzinfo=TOKYO)
    assert leaf.not_valid_after_utc == datetime(2028, 3, 1, 10, 0, tzinfo=TOKYO)  # 366 days: 2028 is a leap year


def test_the_year_is_counted_in_tokyo_where_it_is_already_the_next_day(terminal, clock):
    clock.at("2027-02-01T07:00", tick=False)
    certify(terminal, age_days=0)
    pickups.open_pickup(terminal=terminal)
    clock.at("2027-03-01T08:30", tick=False)  # still 2027-02-28 in UTC
    leaf = pkcs12.load_pkcs12(acquire().pkcs12, P12_PASSWORD.encode()).cert.certificate
    assert leaf.not_valid_after_utc == datetime(2028, 3, 1, 8, 30, tzinfo=TOKYO)


def test_a_certificate_acquired_on_a_29th_of_february_is_valid_until_the_28th_a_year_later(terminal, clock):
    clock.at("2028-02-01T07:00", tick=False)
    certify(terminal, age_days=0)
    pickups.open_pickup(terminal=terminal)
    clock.at("2028-02-29T09:00", tick=False)
    leaf = pkcs12.load_pkcs12(acquire().pkcs12, P12_PASSWORD.encode()).cert.certificate
    assert leaf.not_valid_after_utc == datetime(2029, 2, 28, 9, 0, tzinfo=TOKYO)


def test_a_certificate_expiring_in_28_days_may_be_renewed(terminal):
    certificate_expiring_in(terminal, 28)
    assert acquire().certificate.terminal_id == terminal.pk


def test_a_certificate_expiring_in_29_days_may_not_be_renewed_yet(terminal):
    certificate_expiring_in(terminal, 29)
    with pytest.raises(acquisition.AcquisitionRefused, match="有効期限の28日前"):
        acquire()


@pytest.mark.parametrize(("days", "status"), [(28, RENEWABLE), (29, VALID)])
def test_the_contract_page_shows_the_renewal_window_from_28_days(terminal, user, days, status):
    certificate_expiring_in(terminal, days)
    now = timezone.now()
    (row,) = with_status(contract_terminals(user, now=now), now=now)
    assert row["status"] == status


@pytest.mark.parametrize(("days", "reminded"), [(28, True), (29, False)])
def test_the_renewal_window_reminder_comes_28_days_before_expiry(terminal, user, days, reminded):
    certificate_expiring_in(terminal, days)
    reminders.send_expiry_reminders()
    assert ExpiryReminder.objects.filter(kind=ExpiryReminder.Kind.WINDOW_OPENS).exists() is reminded


def test_a_pickup_opened_on_2027_01_15_is_open_on_2027_03_15_and_closed_on_2027_03_16(terminal, clock):
    clock.at("2027-01-15T07:00", tick=False)
    certify(terminal, age_days=0)
    pickup = pickups.open_pickup(terminal=terminal)
    last_moment = datetime(2027, 3, 15, 23, 59, 59, tzinfo=TOKYO)
    next_day = datetime(2027, 3, 16, 0, 0, tzinfo=TOKYO)
    assert CertificatePickup.objects.open(last_moment).filter(pk=pickup.pk).exists()
    assert not CertificatePickup.objects.open(next_day).filter(pk=pickup.pk).exists()
    assert pickups.close_stale_pickups(now=last_moment) == 0
    assert pickups.close_stale_pickups(now=next_day) == 1


def test_a_reissued_terminal_acquires_on_the_last_day_of_its_two_months(terminal, clock):
    clock.at("2027-01-15T07:00", tick=False)
    certify(terminal, age_days=0)
    pickups.open_pickup(terminal=terminal)
    clock.at("2027-03-15T17:00", tick=False)
    assert acquire(codes=CODES).certificate.terminal_id == terminal.pk


def test_a_reissued_terminal_cannot_acquire_the_day_after_its_two_months(terminal, clock):
    clock.at("2027-01-15T07:00", tick=False)
    certify(terminal, age_days=0)
    pickups.open_pickup(terminal=terminal)
    clock.at("2027-03-16T09:00", tick=False)
    with pytest.raises(acquisition.AcquisitionRefused):
        acquire()
