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
def draft_invoice(tariff, company, user):
    """通関商事's November invoice as the close makes it (下書き): two netNACCS terminals and one webNACCS."""
    from naccs.billing.close import close_month
    from naccs.billing.models import Invoice
    from naccs.tests.helpers import make_terminal

    make_terminal(company, "11110A")
    make_terminal(company, "11110B")
    web = make_terminal(company, "11110C")
    web.device_type = "webNACCS"
    web.save()
    close_month(month=NOVEMBER)
    return Invoice.objects.get(company=company, month=NOVEMBER)


@pytest.fixture
def closed_invoice(draft_invoice, staff_user):
    """The November invoice, 確定 (7,500円 + 750円 tax)."""
    from naccs.billing import services

    return services.confirm(invoice=draft_invoice, staff=staff_user)


@pytest.fixture
def overdue_invoice(draft_invoice, staff_user):
    """The November invoice, 確定 with a 支払期日 long past (set while it was a draft: an issued one never changes)."""
    from naccs.billing import services
    from naccs.billing.models import Invoice

    Invoice.objects.filter(pk=draft_invoice.pk).update(due_date=date(2020, 1, 31))
    draft_invoice.refresh_from_db()
    return services.confirm(invoice=draft_invoice, staff=staff_user)
