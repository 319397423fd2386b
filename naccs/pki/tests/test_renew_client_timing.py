"""naccs-renew's clock rules (client/naccs_renew/timing.py): its copy of the renewal window agrees with the portal's,
a fleet's first attempts spread over the window's first week, and the backoff after failures is capped."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from naccs_renew import timing

from naccs.terminals.renewal import in_renewal_window, renewal_window_opens_on

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("expiry", "opens"),
    [
        ("2027-03-01T10:00", "2027-02-01"),  # 28日前 across a 28-day February
        ("2028-03-29T10:00", "2028-03-01"),  # across a leap day
        ("2027-01-01T00:30", "2026-12-04"),  # Tokyo's day, while UTC is still on 12-31
    ],
)
def test_the_window_opens_at_midnight_in_tokyo_on_the_day_the_portal_says(expiry, opens):
    not_after = tokyo(expiry)
    assert timing.window_opens(not_after) == tokyo(f"{opens}T00:00")
    assert timing.window_opens(not_after).date() == renewal_window_opens_on(not_after)


@pytest.mark.parametrize("expiry", ["2027-03-01T10:00", "2027-01-01T00:30", "2028-02-29T23:59"])
def test_the_client_and_the_portal_agree_at_the_edges_of_the_window(expiry):
    not_after = tokyo(expiry)
    opens = timing.window_opens(not_after)
    second = timedelta(seconds=1)
    for now in (opens - second, opens, opens + second, not_after - second, not_after, not_after + second):
        assert timing.in_window(not_after, now) == in_renewal_window(not_after, now), now


def test_a_fleet_issued_on_one_day_spreads_its_first_attempts_over_the_first_week():
    not_after = tokyo("2027-03-01T10:00")
    opens = timing.window_opens(not_after)
    rng = random.Random(29)
    certificates = [rng.randbytes(600) for _ in range(10_000)]  # stand-ins for 10,000 terminals' DER
    attempts = [timing.first_attempt(der, not_after) for der in certificates]
    assert all(opens <= attempt < opens + timedelta(days=7) for attempt in attempts)
    per_day = [sum(1 for attempt in attempts if (attempt - opens).days == day) for day in range(7)]
    assert all(1_300 < count < 1_560 for count in per_day), per_day  # 10,000 / 7 ≈ 1,429 each
    assert [timing.first_attempt(der, not_after) for der in certificates[:50]] == attempts[:50]  # the same every run


def test_the_backoff_doubles_from_an_hour_up_to_twelve_hours_with_jitter():
    rng = random.Random(29)
    hour = timedelta(hours=1)
    for failures, ceiling in ((1, hour), (2, 2 * hour), (3, 4 * hour), (5, 12 * hour), (40, 12 * hour)):
        waits = [timing.backoff(failures, rng) for _ in range(200)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits), failures
        assert len(set(waits)) == 200  # jittered: terminals that failed together do not return together


def test_the_failures_of_a_certificate_renewed_meanwhile_do_not_count(tmp_path):
    p12 = tmp_path / "11110A.p12"
    timing.write_state(p12, timing.State(serial="a1", failures=3, next_attempt=tokyo("2027-03-01T10:00")))
    assert timing.read_state(p12, "a1").failures == 3
    assert timing.read_state(p12, "b2") == timing.State(serial="b2")
