"""Billing fixtures: a tariff as the center keeps it, and invoices made through the close."""

from datetime import date

import pytest

from naccs.billing.models import TariffItem
from naccs.mailer.tests.conftest import smtp_port, smtp_server  # noqa: F401  (the real SMTP server of mail tests)

# The prices of these tests (税抜, 10%), a month: netNACCS 3,000円, webNACCS 1,500円, パッケージソフト 2,000円.
# A reissue: 1,000円.
BASIC = {"netNACCS": 3000, "webNACCS": 1500, "package": 2000}
REISSUE_FEE = 1000
NOVEMBER = date(2026, 11, 1)
# These tests live in late December 2026, after November was closed and before its invoices fall due (2026/12/31),
# whatever the day the suite runs: a month not yet over cannot be closed, a payment cannot be dated in the future,
# and what is 未入金 depends on the day.
IN_DECEMBER_2026 = pytest.mark.clock("2026-12-25T10:00")


@pytest.fixture
def tariff(db):
    for device, price in BASIC.items():
        TariffItem.objects.create(item="basic", device_type=device, unit_price=price, valid_from=date(2020, 1, 1))
    TariffItem.objects.create(item="reissue", unit_price=REISSUE_FEE, valid_from=date(2020, 1, 1))


@pytest.fixture
def closed_invoice(tariff, company, user, staff_user):
    """通関商事's November invoice, 確定: two netNACCS terminals and one webNACCS (7,500円 + 750円 tax)."""
    from naccs.billing import services
    from naccs.billing.close import close_month
    from naccs.billing.models import Invoice
    from naccs.tests.helpers import make_terminal

    make_terminal(company, "11110A")
    make_terminal(company, "11110B")
    web = make_terminal(company, "11110C")
    web.device_type = "webNACCS"
    web.save()
    close_month(month=NOVEMBER)
    return services.confirm(invoice=Invoice.objects.get(company=company, month=NOVEMBER), staff=staff_user)
