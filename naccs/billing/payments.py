"""入金: a payment recorded by hand or imported from the bank's CSV marks an invoice 入金済.

The bank CSV (銀行入金CSV): a header row 「請求番号,入金日,入金額」 and one payment per row; UTF-8 (with or without BOM)
or Shift_JIS (cp932, what Japanese banking software writes); 入金日 YYYY/MM/DD, YYYY-MM-DD or YYYYMMDD; 入金額 in yen,
digits with optional commas. A payment must be the invoice's whole 請求金額. One bad row and nothing is imported:
every row's problem is listed by its line number."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from naccs.audit.services import record
from naccs.lib.periods import today

from .models import Invoice, Payment
from .services import BillingError

HEADER = ["請求番号", "入金日", "入金額"]
MAX_ROWS = 10_000


class ImportRejected(Exception):
    """The file was not imported; `problems` lists every reason, in Japanese."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PaymentRow:
    line: int
    number: str
    paid_on: date
    amount: int


def check_paid_on(invoice: Invoice, paid_on: date, *, today: date) -> None:
    """入金日: a payment has happened (not after today in Tokyo), and not before the invoice was issued (請求日)."""
    if paid_on > today:
        raise BillingError(f"入金日{paid_on:%Y/%m/%d}は未来の日付です（本日は{today:%Y/%m/%d}）。")
    if paid_on < invoice.issued_on:
        raise BillingError(
            f"入金日{paid_on:%Y/%m/%d}は請求書{invoice.number}の請求日（{invoice.issued_on:%Y/%m/%d}）より前です。"
        )


def check_payable(invoice: Invoice, amount: int) -> None:
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in (Invoice.Status.CONFIRMED, Invoice.Status.PAID):
        state = invoice.get_status_display()
        raise BillingError(f"請求書{invoice.number}は入金を記録できる状態ではありません（{state}）。")
    if invoice.status == Invoice.Status.PAID:
        raise BillingError(f"請求書{invoice.number}は入金済です。")
    if amount != invoice.total:
        raise BillingError(f"請求書{invoice.number}の請求金額は{invoice.total:,}円です（入金額{amount:,}円）。")


def apply_payment(invoice: Invoice, *, amount: int, paid_on: date, staff, source: str) -> Payment:
    payment = Payment.objects.create(invoice=invoice, amount=amount, paid_on=paid_on, source=source, recorded_by=staff)
    invoice.status, invoice.paid_on = Invoice.Status.PAID, paid_on
    invoice.save(update_fields=["status", "paid_on"])
    record(action="billing.paid", actor=staff, company=invoice.company, obj=invoice, amount=amount, source=source)
    return payment


@transaction.atomic
def record_payment(*, invoice: Invoice, amount: int, paid_on: date, staff) -> Payment:
    invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
    check_payable(invoice, amount)
    check_paid_on(invoice, paid_on, today=today())
    return apply_payment(invoice, amount=amount, paid_on=paid_on, staff=staff, source=Payment.Source.MANUAL)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp932")
        except UnicodeDecodeError:
            message = "文字コードを判別できません。UTF-8またはShift_JISのCSVファイルを指定してください。"
            raise ImportRejected([message]) from None


def parse_date(text: str) -> date | None:
    for pattern in ("%Y/%m/%d", "%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_rows(data: bytes) -> list[PaymentRow]:
    text = decode(data)
    if "\x00" in text:
        raise ImportRejected(["CSVファイルではありません。"])
    reader = csv.reader(io.StringIO(text, newline=""))
    problems, rows = [], []
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if header != HEADER:
            raise ImportRejected([f"1行目（見出し）は「{','.join(HEADER)}」としてください。"])
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if line > MAX_ROWS + 1:
                raise ImportRejected([f"一度に取り込めるのは{MAX_ROWS:,}行までです。"])
            if len(cells) != len(HEADER):
                problems.append(f"{line}行目: 項目の数が{len(cells)}個です（請求番号,入金日,入金額の3個）。")
                continue
            number, paid_text, amount_text = (cell.strip() for cell in cells)
            paid_on = parse_date(paid_text)
            amount_digits = amount_text.replace(",", "")
            if paid_on is None:
                problems.append(f"{line}行目: 入金日「{paid_text[:20]}」はYYYY/MM/DDの形式で入力してください。")
            if not re.fullmatch(r"[0-9]{1,12}", amount_digits) or int(amount_digits) == 0:
                problems.append(f"{line}行目: 入金額「{amount_text[:20]}」は1円以上の半角数字で入力してください。")
            if paid_on is not None and re.fullmatch(r"[0-9]{1,12}", amount_digits) and int(amount_digits) > 0:
                rows.append(PaymentRow(line, number, paid_on, int(amount_digits)))
    except csv.Error as error:
        raise ImportRejected([f"CSVファイルを読み取れません（{error}）。"]) from None
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected(["入金の行がありません。"])
    return rows


@transaction.atomic
def import_bank_csv(*, data: bytes, staff) -> list[Payment]:
    """Every row's invoice is 入金済 afterwards, or (on any bad row) nothing changed: ImportRejected lists why."""
    rows = parse_rows(data)
    invoices = {
        invoice.number: invoice
        for invoice in Invoice.objects.select_for_update()
        .select_related("company")
        .filter(number__in=[row.number for row in rows])
        .order_by("pk")
    }
    problems, seen = [], {}
    for row in rows:
        invoice = invoices.get(row.number)
        if invoice is None:
            problems.append(f"{row.line}行目: 請求番号「{row.number[:20]}」の請求書がありません。")
        elif row.number in seen:
            problems.append(f"{row.line}行目: 請求番号{row.number}は{seen[row.number]}行目と重複しています。")
        else:
            try:
                check_payable(invoice, row.amount)
                check_paid_on(invoice, row.paid_on, today=today())
            except BillingError as error:
                problems.append(f"{row.line}行目: {error}")
        seen.setdefault(row.number, row.line)
    if problems:
        raise ImportRejected(problems)
    return [
        apply_payment(
            invoices[row.number], amount=row.amount, paid_on=row.paid_on, staff=staff, source=Payment.Source.BANK_CSV
        )
        for row in rows
    ]
