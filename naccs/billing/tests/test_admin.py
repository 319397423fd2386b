"""The back office's billing pages: 確定, view-only 確定 invoices, draft lines, the close, payments, 口座振替."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from naccs.billing import services
from naccs.billing.close import close_month
from naccs.billing.models import BillingAccount, Invoice
from naccs.portal.models import NewsItem
from naccs.tests.helpers import make_terminal

from .conftest import IN_DECEMBER_2026, NOVEMBER

pytestmark = [pytest.mark.django_db, IN_DECEMBER_2026]
CHANGELIST = "/center/billing/invoice/"


@pytest.fixture
def draft(tariff, company):
    make_terminal(company, "11110A")
    close_month(month=NOVEMBER)
    return Invoice.objects.get(company=company)


def action(client, url, name, *pks):
    return client.post(url, {"action": name, "_selected_action": [str(pk) for pk in pks]}, follow=True)


def test_staff_confirm_a_draft_with_the_action(draft, staff_client, company):
    response = action(staff_client, CHANGELIST, "confirm_selected", draft.pk)
    assert "1件の請求書を確定しました。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "confirmed"
    assert NewsItem.objects.get(company=company).link == f"/billing/{draft.pk}/"


def test_a_drafts_lines_are_edited_and_its_totals_follow(draft, staff_client):
    line = draft.lines.get()
    url = f"{CHANGELIST}{draft.pk}/change/"
    form = {
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": str(line.pk), "lines-0-invoice": str(draft.pk), "lines-0-position": "1",
        "lines-0-item": "基本料金（netNACCS）", "lines-0-quantity": "3", "lines-0-unit_price": "3000",
        "lines-0-tax_rate": "10",
        "payments-TOTAL_FORMS": "0", "payments-INITIAL_FORMS": "0", "payments-MIN_NUM_FORMS": "0",
        "payments-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert (draft.subtotal, draft.tax, draft.total) == (9000, 900, 9900)


def test_a_confirmed_invoice_is_view_only_in_the_back_office(closed_invoice, staff_client):
    url = f"{CHANGELIST}{closed_invoice.pk}/change/"
    html = staff_client.get(url).content.decode()
    assert 'name="_save"' not in html
    response = staff_client.post(url, {"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
    assert response.status_code == 403
    closed_invoice.refresh_from_db()
    assert closed_invoice.total == 8250


def test_the_correct_action_makes_a_credit_note_and_a_draft(closed_invoice, staff_client):
    action(staff_client, CHANGELIST, "correct_selected", closed_invoice.pk)
    kinds = sorted(Invoice.objects.filter(corrects=closed_invoice).values_list("kind", "status"))
    assert kinds == [("credit_note", "draft"), ("invoice", "draft")]


def test_the_close_page_enqueues_the_task(staff_client):
    response = staff_client.post(f"{CHANGELIST}close/", {"month": "2026-11"}, follow=True)
    assert "2026年11月分の月次締めを開始しました。" in response.content.decode()
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["kwargs"] == {"month": "2026-11-01"}


@pytest.mark.parametrize("month", ["2026-12", "2027-01"])
def test_the_close_page_refuses_a_month_that_has_not_ended(staff_client, month):
    response = staff_client.post(f"{CHANGELIST}close/", {"month": month})
    assert response.status_code == 200
    assert "分はまだ締められません。月次締めは月が終わった後" in response.content.decode()
    assert not DBTaskResult.objects.exists()


def test_a_payment_dated_in_the_future_is_refused_with_its_row(closed_invoice, staff_client):
    text = f"請求番号,入金日,入金額\n{closed_invoice.number},2026/12/26,8250\n"
    html = upload(staff_client, text).content.decode()
    assert "2行目: 入金日2026/12/26は未来の日付です（本日は2026/12/25）。" in html
    html = upload(staff_client, text.replace("2026/12/26", "9999/12/31")).content.decode()
    assert "2行目: 入金日9999/12/31は未来の日付です" in html
    closed_invoice.refresh_from_db()
    assert closed_invoice.status == "confirmed"


def test_a_payment_dated_before_the_invoice_is_refused_with_its_row(closed_invoice, staff_client):
    text = f"請求番号,入金日,入金額\n{closed_invoice.number},2026/12/24,8250\n"
    html = upload(staff_client, text).content.decode()
    assert f"2行目: 入金日2026/12/24は請求書{closed_invoice.number}の請求日（2026/12/25）より前です。" in html
    closed_invoice.refresh_from_db()
    assert closed_invoice.status == "confirmed"


def test_the_close_page_explains_a_bad_month(staff_client):
    response = staff_client.post(f"{CHANGELIST}close/", {"month": "2026-13"})
    assert "請求月はYYYY-MMの形式で入力してください" in response.content.decode()
    assert not DBTaskResult.objects.exists()


def upload(client, text: str, encoding="utf-8"):
    file = SimpleUploadedFile("bank.csv", text.encode(encoding), content_type="text/csv")
    return client.post(f"{CHANGELIST}import-payments/", {"file": file}, follow=True)


def test_a_bank_csv_marks_its_invoices_paid(closed_invoice, staff_client):
    response = upload(
        staff_client, f'請求番号,入金日,入金額\r\n{closed_invoice.number},2026/12/25,"8,250"\r\n', "cp932"
    )
    assert "1件の入金を登録しました。" in response.content.decode()
    closed_invoice.refresh_from_db()
    assert (closed_invoice.status, closed_invoice.paid_on) == ("paid", date(2026, 12, 25))


def test_a_bank_csv_with_a_bad_row_imports_nothing_and_says_why(closed_invoice, staff_client, tariff, other_company):
    make_terminal(other_company, "22220A")
    close_month(month=date(2026, 10, 1))
    other = services.confirm(invoice=Invoice.objects.get(company=other_company), staff=None)
    text = (
        "請求番号,入金日,入金額\n"
        f"{other.number},2026/12/25,{other.total}\n"
        f"{closed_invoice.number},2026/13/01,8250\n"
        "2026-999999,2026/12/25,100\n"
        f"{closed_invoice.number},2026/12/25,8000\n"
    )
    html = upload(staff_client, text).content.decode()
    assert "取り込みませんでした。" in html
    assert "3行目: 入金日「2026/13/01」はYYYY/MM/DDの形式で入力してください。" in html
    assert "4行目: 請求番号「2026-999999」の請求書がありません。" not in html  # the format is checked first
    html = upload(staff_client, text.replace("2026/13/01", "2026/12/01")).content.decode()
    assert "4行目: 請求番号「2026-999999」の請求書がありません。" in html
    assert f"5行目: 請求番号{closed_invoice.number}は3行目と重複しています。" in html
    other.refresh_from_db()
    assert other.status == "confirmed"  # its good row was not imported either


def test_a_file_that_is_not_a_csv_is_refused_with_a_message(staff_client, db):
    file = SimpleUploadedFile("bank.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", content_type="text/csv")
    html = staff_client.post(f"{CHANGELIST}import-payments/", {"file": file}).content.decode()
    assert "取り込みませんでした。" in html


def test_the_send_form_action_posts_the_manuals_news(company, staff_client):
    BillingAccount.objects.create(company=company)
    action(staff_client, "/center/billing/billingaccount/", "send_direct_debit_form", company.billing_account.pk)
    assert NewsItem.objects.get(company=company).text.startswith("口座振替申込専用紙を送付しました。")


def test_the_dashboard_lists_overdue_invoices(overdue_invoice, staff_client):
    html = staff_client.get("/center/dashboard/").content.decode()
    assert "支払期日を過ぎた未入金の請求書（1件、8,250円）" in html and "2026年11月分" in html
    assert overdue_invoice.number in html


def test_a_draft_credit_note_is_neither_edited_nor_confirmed_on_its_own(closed_invoice, staff_client):
    credit_note, _ = services.correct(invoice=closed_invoice, staff=None, reason="誤り")
    assert staff_client.post(f"{CHANGELIST}{credit_note.pk}/change/", {}).status_code == 403
    response = action(staff_client, CHANGELIST, "confirm_selected", credit_note.pk)
    assert "訂正後の請求書を確定すると一緒に確定されます。" in response.content.decode()
    credit_note.refresh_from_db()
    assert credit_note.status == "draft"


def test_the_invoice_list_shows_the_month_billed_and_yen_with_separators(draft, staff_client):
    Invoice.objects.filter(pk=draft.pk).update(total=17578)
    html = staff_client.get(CHANGELIST).content.decode()
    assert "2026年11月分" in html and "17,578円" in html
    assert "2026年11月1日" not in html and ">17578<" not in html
    detail = staff_client.get(f"{CHANGELIST}{draft.pk}/change/").content.decode()
    assert "2026年11月分" in detail and "17,578円" in detail


def test_the_header_names_the_staff_member_as_written(staff_client, staff_user):
    header = staff_client.get(CHANGELIST).content.decode().split('id="user-tools"', 1)[1].split("</div>", 1)[0]
    assert "ようこそ" not in header and "Welcome" not in header
    assert f"ログイン中：<strong>{staff_user.username}</strong>" in header


def test_the_invoice_list_links_to_the_close_and_the_bank_csv_import(staff_client):
    html = staff_client.get(CHANGELIST).content.decode()
    assert '<a href="/center/billing/invoice/close/">月次締め</a>' in html
    assert '<a href="/center/billing/invoice/import-payments/">銀行入金CSVの取込</a>' in html


def test_the_header_gives_a_staff_members_name_and_id(staff_client, staff_user):
    staff_user.last_name = "センター"
    staff_user.save()
    header = staff_client.get(CHANGELIST).content.decode().split('id="user-tools"', 1)[1].split("</div>", 1)[0]
    assert f"ログイン中：<strong>センター（{staff_user.username}）</strong>" in header
