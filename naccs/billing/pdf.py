"""The PDF of a 請求書 (or 赤伝), laid out as Japanese companies expect one: the addressee with 御中 on the left, the
issuer with its 登録番号 on the right, the amount due, the lines, and the totals and consumption tax per tax rate.

The font: settings.INVOICE_FONT, else the first Japanese TrueType font of FONT_CANDIDATES that exists (Debian's
fonts-ipafont-gothic, which `make test` installs), embedded (subset) in the PDF so that every reader and text
extractor gets the Japanese text. On a machine with none of them (a fresh `make serve`) ReportLab's built-in CID
font HeiseiKakuGo-W5 is used: nothing to install, but not embedded, so the reader's own Japanese font shows it."""

import io
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from naccs.lib.formats import billing_month, yen

from .models import Invoice
from .selectors import InvoiceDocument

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
)
EMBEDDED_FONT = "InvoiceGothic"
BUILT_IN_FONT = "HeiseiKakuGo-W5"


def font_path() -> str | None:
    if settings.INVOICE_FONT:
        return settings.INVOICE_FONT
    return next((path for path in FONT_CANDIDATES if Path(path).is_file()), None)


@cache
def font_named(path: str | None) -> str:
    """Register the font once per process (keyed by its path) and return the name to draw with."""
    if path is None:
        pdfmetrics.registerFont(UnicodeCIDFont(BUILT_IN_FONT))
        return BUILT_IN_FONT
    pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path))
    return EMBEDDED_FONT


def ymd(day) -> str:
    return f"{day:%Y/%m/%d}"


def render(document: InvoiceDocument) -> bytes:
    font = font_named(font_path())
    invoice = document.invoice
    is_credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    title = "請求書（赤伝）" if is_credit_note else "請求書"

    def style(size=9, align=0, leading=None) -> ParagraphStyle:
        return ParagraphStyle("s", fontName=font, fontSize=size, leading=leading or size * 1.5, alignment=align)

    addressee = [
        Paragraph(f"〒{invoice.postal_code}" if invoice.postal_code else "", style()),
        Paragraph(invoice.address, style()),
        Paragraph(f"{invoice.company_name}　御中", style(13)),
    ]
    issuer = document.issuer
    issued = [
        Paragraph(f"請求日　{ymd(invoice.issued_on)}", style(align=TA_RIGHT)),
        Paragraph(f"請求番号　{invoice.number}", style(align=TA_RIGHT)),
        Spacer(1, 3 * mm),
        Paragraph(issuer.name, style(10, TA_RIGHT)),
        Paragraph(issuer.address, style(align=TA_RIGHT)),
        Paragraph(f"登録番号　{issuer.registration_number}", style(align=TA_RIGHT)),
    ]
    head = Table([[addressee, issued]], colWidths=[95 * mm, 85 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    lead = "下記のとおり訂正（返還）いたします。" if is_credit_note else "下記のとおりご請求申し上げます。"
    summary = Table(
        [
            ["請求月", billing_month(invoice.month)],
            ["ご請求金額（税込）", yen(invoice.total)],
            ["支払期日", ymd(invoice.due_date)],
            ["お支払方法", invoice.get_payment_method_display()],
        ],
        colWidths=[45 * mm, 60 * mm],
    )
    summary.setStyle(grid(font, size=10, header_column=True))

    rows = [["品目", "数量", "単価", "金額", "税率"]]
    for line in document.lines:
        rows.append([line.item, f"{line.quantity:,}", yen(line.unit_price), yen(line.amount), f"{line.tax_rate}%"])
    lines = Table(rows, colWidths=[80 * mm, 20 * mm, 28 * mm, 32 * mm, 20 * mm], repeatRows=1)
    lines.setStyle(grid(font, header_row=True, numbers_from=1))

    per_rate = [["税率", "対象金額（税抜）", "消費税額", "合計（税込）"]]
    for rate in document.totals.by_rate:
        per_rate.append([f"{rate.rate}%対象", yen(rate.taxable), yen(rate.tax), yen(rate.total)])
    per_rate.append(["合計", yen(document.totals.subtotal), yen(document.totals.tax), yen(document.totals.total)])
    totals = Table(per_rate, colWidths=[30 * mm, 45 * mm, 40 * mm, 45 * mm])
    totals.setStyle(grid(font, header_row=True, numbers_from=1))

    story = [
        Paragraph(title, style(18, TA_CENTER, 26)),
        Spacer(1, 6 * mm),
        head,
        Spacer(1, 6 * mm),
        Paragraph(lead, style(10)),
        Spacer(1, 2 * mm),
        summary,
        Spacer(1, 6 * mm),
        Paragraph("明細", style(11)),
        lines,
        Spacer(1, 5 * mm),
        Paragraph("税率ごとの合計（消費税は税率ごとに1円未満切り捨て）", style(11)),
        totals,
    ]
    if invoice.corrects_id:
        story += [Spacer(1, 4 * mm), Paragraph(f"訂正元の請求番号　{invoice.corrects.number}", style())]
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=f"{title} {invoice.number}", author=issuer.name, creator="NACCSサポートシステム",
        invariant=1, creationDate=timezone.localtime(invoice.confirmed_at or timezone.now()),
    ).build(story)  # fmt: skip
    return out.getvalue()


def grid(font: str, *, size=9, header_row=False, header_column=False, numbers_from=None) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header_row:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")))
    if header_column:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8eef5")))
    if numbers_from is not None:
        commands.append(("ALIGN", (numbers_from, 1 if header_row else 0), (-1, -1), "RIGHT"))
    return TableStyle(commands)
