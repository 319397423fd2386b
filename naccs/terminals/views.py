"""契約内容の確認."""

from django.shortcuts import render

from naccs.accounts.decorators import company_user_required

from .selectors import contract_terminals


@company_user_required
def contract(request):
    return render(request, "terminals/contract.html", {"rows": contract_terminals(request.user.company)})
