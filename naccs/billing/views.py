"""請求金額の参照: the company's invoices by month, each invoice, and its PDF and CSV."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from naccs.accounts.decorators import contract_administrator_required
from naccs.lib.periods import today

from . import exports
from . import pdf as invoice_pdf
from .models import Invoice
from .selectors import account_of, document_of, invoices_for, status_label

# Two years of months on the first page.
PAGE_SIZE = 24


@contract_administrator_required
def invoices(request):
    company = request.user.company
    page = Paginator(invoices_for(company).with_overdue(today()), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(invoice, status_label(invoice)) for invoice in page.object_list]
    return render(request, "billing/invoices.html", {"page": page, "rows": rows, "account": account_of(company)})


def own_invoice(request, pk: int) -> Invoice:
    return get_object_or_404(invoices_for(request.user.company), pk=pk)


@contract_administrator_required
def detail(request, pk: int):
    invoice = get_object_or_404(invoices_for(request.user.company).with_overdue(today()), pk=pk)
    context = {
        "document": document_of(invoice),
        "status": status_label(invoice),
        "account": account_of(request.user.company),
        "corrections": invoices_for(request.user.company).filter(corrects=invoice),
    }
    return render(request, "billing/detail.html", context)


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@contract_administrator_required
def pdf(request, pk: int):
    invoice = own_invoice(request, pk)
    content = invoice_pdf.render(document_of(invoice))
    return attachment(content, content_type="application/pdf", filename=f"invoice-{invoice.number}.pdf")


@contract_administrator_required
def csv_lines(request, pk: int):
    invoice = own_invoice(request, pk)
    content = exports.lines_csv(document_of(invoice))
    return attachment(content, content_type="text/csv; charset=utf-8", filename=f"invoice-{invoice.number}.csv")
