"""The dashboard's fleet block: expiring in 7/30/60/90 days, renewed this month, expired unrenewed, and a 12-month
forecast drawn on the server as SVG."""

import pytest
from django.utils import timezone

from naccs.center.fleet import fleet_context
from naccs.pki.issuance import certificate_expiry
from naccs.terminals.models import Certificate
from naccs.tests.helpers import expiring_in, make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(company, other_company):
    for name, days in [("A00001", 3), ("A00002", 20), ("A00003", 45), ("A00004", 80), ("A00005", 200)]:
        expiring_in(company, name, days)
    expiring_in(other_company, "B00001", -5)  # expired, never renewed
    revoked = expiring_in(other_company, "B00002", 10)
    Certificate.objects.filter(terminal=revoked).update(revoked_at=timezone.now())


def test_it_counts_what_expires_within_7_30_60_and_90_days_and_what_expired(fleet):
    figures = fleet_context()["fleet"]
    assert figures["expiring"] == [(7, 1), (30, 2), (60, 3), (90, 4)]
    assert figures["expired_unrenewed"] == 1


def test_it_counts_the_renewals_of_this_month(company):
    terminal = make_terminal(company, "A00001", certificate_age_days=340)
    Certificate.objects.filter(terminal=terminal).update(revoked_at=timezone.now())
    now = timezone.now()
    Certificate.objects.create(
        terminal=terminal, serial="renewed01", not_before=now, not_after=certificate_expiry(now), issued_at=now
    )
    make_terminal(company, "A00002", certificate_age_days=0)  # a first certificate: not a renewal
    assert fleet_context()["fleet"]["renewed_this_month"] == 1


@pytest.mark.clock("2027-03-15T10:00")
def test_the_forecast_has_twelve_months_with_bars_in_proportion(fleet):
    bars = fleet_context()["fleet"]["bars"]
    assert len(bars) == 12
    assert [bar.label for bar in bars][:2] == ["2027/03", "2027/04"] and bars[-1].label == "2028/02"
    # This month counts what expires in it, also what has already expired: 03-10 and 03-18; then 04-04 and 04-29,
    # 06-03 and, 200 days on, 10-01. The revoked one is not counted.
    assert [bar.count for bar in bars] == [2, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]
    tallest = max(bars, key=lambda bar: bar.count)
    for bar in bars:
        assert bar.height * tallest.count == pytest.approx(tallest.height * bar.count, abs=tallest.count)


@pytest.mark.clock("2027-03-03T10:00")
def test_what_expired_last_month_is_not_in_the_forecast(fleet):
    bars = fleet_context()["fleet"]["bars"]
    assert bars[0].label == "2027/03" and bars[0].count == 2  # 03-06 and 03-23; the expired one is 02-26
    assert sum(bar.count for bar in bars) == 5


def test_the_dashboard_shows_the_block_and_the_chart(staff_client, fleet):
    response = staff_client.get("/center/dashboard/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="fleet"' in page and "<svg" in page and page.count("<rect") == 12
    assert "90日以内に期限切れ" in page and "期限切れ・未更新" in page
