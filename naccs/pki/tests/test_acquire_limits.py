"""Issue 13 items 1–3: the anonymous 取得 page's limits see the real client, never let a stranger lock the terminal's
owner out, and cannot be raced; the signed-in 取得 of 契約内容の確認 is not subject to them."""

import threading

import pytest
from django.db import connection

from naccs.accounts import limits
from naccs.accounts.models import FailureCount
from naccs.pki import acquisition
from naccs.tests.helpers import at_once

from .conftest import CODES, P12_PASSWORD, acquire, uncertified_terminal

WRONG = ("WRONG", CODES[1], CODES[2])
THROTTLED = "一時的に受付を停止しています"
# The issue: five wrong tries in 15 minutes.
LIMIT = 5


def fail(times, **kwargs):
    for _ in range(times):
        with pytest.raises(acquisition.AcquisitionRefused):
            acquire(codes=WRONG, **kwargs)


@pytest.fixture
def code_checks(monkeypatch):
    """Every check of 認証コード that an attempt gets to."""
    checks, lock = [], threading.Lock()
    check = acquisition.check_codes

    def counted(*args, **kwargs):
        with lock:
            checks.append(args[0])
        return check(*args, **kwargs)

    monkeypatch.setattr(acquisition, "check_codes", counted)
    return checks


@pytest.mark.django_db
def test_a_strangers_wrong_tries_do_not_stop_the_owner_elsewhere(renewable):
    fail(LIMIT, address="203.0.113.66")
    with pytest.raises(acquisition.AcquisitionRefused, match=THROTTLED):
        acquire(address="203.0.113.66")  # the stranger's address is stopped for this terminal, even with the codes
    assert acquire(address="192.0.2.10").certificate.terminal == renewable


@pytest.mark.django_db
def test_four_wrong_tries_and_a_success_leave_four_counted(renewable):
    fail(LIMIT - 1)
    acquire()
    assert limits.failures(acquisition.BY_TERMINAL_AND_ADDRESS, "11110A 192.0.2.10") == LIMIT - 1


@pytest.mark.django_db
def test_a_refused_attempt_is_not_checked_and_does_not_extend_the_block(renewable, code_checks):
    fail(LIMIT)
    for _ in range(3):
        with pytest.raises(acquisition.AcquisitionRefused, match=THROTTLED):
            acquire()
    assert len(code_checks) == LIMIT
    row = FailureCount.objects.get(scope="acquire.terminal+address")
    assert (row.failures, row.refused) == (LIMIT, 3)
    # The window is fixed: the next one starts afresh however often the refused client retried.
    next_window = row.window_start + acquisition.BY_TERMINAL_AND_ADDRESS.window
    checks = [(acquisition.BY_TERMINAL_AND_ADDRESS, "11110A 192.0.2.10")]
    assert limits.take_attempt(checks, now=next_window).row_ids


@pytest.mark.django_db
def test_an_address_trying_terminal_after_terminal_is_stopped(renewable, settings):
    for number in range(settings.ACQUIRE_ADDRESS_ATTEMPT_LIMIT):
        with pytest.raises(acquisition.AcquisitionRefused):
            acquire(terminal_name=f"X{number:05d}")
    with pytest.raises(acquisition.AcquisitionRefused, match=THROTTLED):
        acquire()
    assert acquire(address="192.0.2.11").certificate.terminal == renewable


@pytest.mark.django_db
def test_a_guess_spread_over_many_addresses_stops_at_the_terminal_limit(renewable, settings):
    settings.ACQUIRE_TERMINAL_ATTEMPT_LIMIT = 8
    for number in range(8):
        fail(1, address=f"198.51.100.{number}")
    with pytest.raises(acquisition.AcquisitionRefused, match=THROTTLED):
        acquire(address="192.0.2.99")
    assert not FailureCount.objects.filter(scope="acquire.terminal", key="11110B").exists()


@pytest.mark.django_db
def test_the_owner_acquires_signed_in_while_the_page_is_stopped_for_the_terminal(renewable, user, settings):
    settings.ACQUIRE_TERMINAL_ATTEMPT_LIMIT = LIMIT
    for number in range(LIMIT):
        fail(1, address=f"198.51.100.{number}")
    with pytest.raises(acquisition.AcquisitionRefused, match=THROTTLED):
        acquire()
    acquired = acquisition.acquire_for_company(
        terminal_name="11110A", password=P12_PASSWORD, user=user, client_address="192.0.2.10"
    )
    assert acquired.certificate.terminal == renewable


@pytest.mark.django_db
def test_the_signed_in_acquisition_is_only_for_the_users_own_company(renewable, other_user):
    with pytest.raises(acquisition.AcquisitionRefused):
        acquisition.acquire_for_company(
            terminal_name="11110A", password=P12_PASSWORD, user=other_user, client_address="192.0.2.10"
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_thirty_simultaneous_wrong_tries_get_at_most_five_code_checks(company, code_checks):
    uncertified_terminal(company)
    results, errors = at_once(lambda: acquire(codes=WRONG), count=30)
    assert results == [] and len(errors) == 30
    assert all(isinstance(error, acquisition.AcquisitionRefused) for error in errors), errors
    assert 1 <= len(code_checks) <= LIMIT
    assert FailureCount.objects.get(scope="acquire.terminal+address").failures == len(code_checks)
