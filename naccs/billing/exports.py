"""The CSV of an invoice's lines: UTF-8 with a BOM, so that Excel opens it as UTF-8, CRLF line ends."""

import csv
import io

from .selectors import InvoiceDocument

HEADER = ["請求番号", "請求月", "品目", "数量", "単価", "金額", "税率"]
# A text cell that starts like a formula would run as one in Excel (CSV injection): it is kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def lines_csv(document: InvoiceDocument) -> bytes:
    invoice = document.invoice
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in document.lines:
        writer.writerow(
            [invoice.number, f"{invoice.month:%Y/%m}", as_text(line.item), line.quantity, line.unit_price, line.amount,
             f"{line.tax_rate}%"]
        )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")
