"""Run the monthly close by hand, safely repeated: `manage.py close_month --month 2026-11` (default: last month)."""

from django.core.management.base import BaseCommand, CommandError

from naccs.billing.close import MonthNotEnded, TariffMissing, close_month
from naccs.billing.forms import CloseForm
from naccs.billing.months import previous_month
from naccs.lib.periods import today


class Command(BaseCommand):
    help = "Make every company's draft invoice for a month (月次締め); repeating it makes no second invoice."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")

    def handle(self, *args, month=None, **options):
        if month is None:
            billed = previous_month(today())
        else:
            form = CloseForm({"month": month})
            if not form.is_valid():
                raise CommandError(" ".join(form.errors["month"]))
            billed = form.cleaned_data["month"]
        try:
            report = close_month(month=billed)
        except (TariffMissing, MonthNotEnded) as error:
            raise CommandError(str(error)) from error
        counts = f"作成 {report.made}件、作成済 {report.already_closed}件、請求なし {report.nothing_to_bill}件"
        self.stdout.write(f"{billed:%Y/%m}: {counts}")
