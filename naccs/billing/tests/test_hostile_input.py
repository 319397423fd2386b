"""Hostile input to the center's billing forms: never a 500, nothing half-imported, always escaped."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naccs.billing.models import Invoice, Payment
from naccs.tests.hostile import as_form_value, assert_escaped, hostile_text

from .conftest import IN_DECEMBER_2026

pytestmark = [pytest.mark.django_db, IN_DECEMBER_2026]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(data=st.one_of(st.binary(max_size=2000), hostile_text.map(lambda text: as_form_value(text).encode())))
def test_the_bank_csv_import_survives_any_file(closed_invoice, staff_client, data):
    file = SimpleUploadedFile("bank.csv", data, content_type="text/csv")
    response = staff_client.post("/center/billing/invoice/import-payments/", {"file": file})
    assert response.status_code == 200
    assert "入力内容を確認してください。" in response.content.decode()  # the form shows why, beside the field
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=closed_invoice.pk).status == "confirmed"


@FAST
@given(number=hostile_text, paid=hostile_text, amount=hostile_text)
def test_hostile_cells_are_refused_and_escaped(closed_invoice, staff_client, number, paid, amount):
    row = ",".join(f'"{as_form_value(cell).replace(chr(34), "")}"' for cell in (number, paid, amount))
    file = SimpleUploadedFile("bank.csv", f"請求番号,入金日,入金額\n{row}\n".encode(), content_type="text/csv")
    response = staff_client.post("/center/billing/invoice/import-payments/", {"file": file})
    assert response.status_code == 200
    assert_escaped(response.content.decode(), number + paid + amount)
    assert not Payment.objects.exists()


@FAST
@given(month=hostile_text)
def test_the_close_form_survives_hostile_input(staff_client, month):
    response = staff_client.post("/center/billing/invoice/close/", {"month": as_form_value(month)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert not DBTaskResult.objects.exists()
        assert_escaped(response.content.decode(), month)
