"""Reads of the contract-change pages: the company's open 事業所 and its registered details."""

from naccs.accounts.models import Office
from naccs.terminals.models import ContractDetails


def open_offices(company):
    """The company's 事業所 that have not been closed."""
    return Office.objects.filter(company=company, closure__isnull=True).order_by("name")


def contract_details_of(company) -> ContractDetails:
    """The company's registered details (an unsaved empty row when none were ever registered)."""
    try:
        return company.contract_details
    except ContractDetails.DoesNotExist:
        return ContractDetails(company=company)
