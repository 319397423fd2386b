"""The back office for 契約内容の変更 and システム設定の申込: filter and search by kind, each kind's rows on its page,
review through the lifecycle, and the catalogue of システム設定 kept as data."""

import pytest

from naccs.applications.models import (
    Application,
    ContractChange,
    ContractChangeLine,
    SystemSettings,
    SystemSettingsLine,
)
from naccs.terminals.models import SettingItem
from naccs.tests.helpers import make_terminal

pytestmark = pytest.mark.django_db
LIST = "/center/applications/application/"


@pytest.fixture
def one_of_each(make_application, user, company, run_day):
    reissue = make_application()

    def registered(kind, number):
        return Application.objects.create(
            kind=kind, company=company, created_by=user, status="submitted", receipt_number=number,
            desired_date=run_day, applicant_email="hanako@example.jp",
        )  # fmt: skip

    change = registered("contract_change", "26120190001")
    ContractChange.objects.create(application=change, company_name="新通関商事株式会社")
    removed = make_terminal(company, "55550A")
    ContractChangeLine.objects.create(application=change, action="remove_terminal", terminal=removed)
    settings = registered("system_settings", "26120190002")
    SystemSettings.objects.create(application=settings, notification_addresses=["notice@example.jp"])
    line = SystemSettingsLine.objects.create(application=settings, terminal=make_terminal(company, "66660A"))
    line.business_groups.set(SettingItem.objects.filter(code="INQ"))
    return reissue, change, settings


def test_the_list_filters_by_kind(staff_client, one_of_each):
    reissue, change, settings = one_of_each
    html = staff_client.get(LIST, {"kind__exact": "contract_change"}).content.decode()
    assert change.receipt_number in html
    assert settings.receipt_number not in html and reissue.receipt_number not in html
    html = staff_client.get(LIST, {"kind__exact": "system_settings"}).content.decode()
    assert settings.receipt_number in html and change.receipt_number not in html


def test_a_terminal_name_finds_the_application_of_any_kind(staff_client, one_of_each):
    _, change, settings = one_of_each
    html = staff_client.get(LIST, {"q": "55550A"}).content.decode()
    assert change.receipt_number in html and settings.receipt_number not in html
    html = staff_client.get(LIST, {"q": "66660A"}).content.decode()
    assert settings.receipt_number in html and change.receipt_number not in html


def test_each_kinds_rows_show_on_its_page_read_only(staff_client, one_of_each):
    _, change, settings = one_of_each
    html = staff_client.get(f"{LIST}{change.pk}/change/").content.decode()
    assert "新通関商事株式会社" in html and "論理端末の削除" in html and "55550A" in html
    assert 'name="contract_change-0-company_name"' not in html
    html = staff_client.get(f"{LIST}{settings.pk}/change/").content.decode()
    assert "notice@example.jp" in html and "66660A" in html and "照会業務" in html


def test_the_decision_goes_through_the_lifecycle(staff_client, one_of_each):
    _, change, _ = one_of_each
    staff_client.post(f"{LIST}{change.pk}/decide/", {"decision": "approve"})
    change.refresh_from_db()
    assert change.status == Application.Status.APPROVED


def test_the_center_extends_the_catalogue_in_the_back_office(staff_client):
    response = staff_client.post(
        "/center/terminals/settingitem/add/",
        {"kind": "output", "code": "NEWOUT", "name": "新しい通知情報", "order": 50, "is_active": "on"},
    )
    assert response.status_code == 302
    assert SettingItem.objects.offered().filter(code="NEWOUT", kind="output").exists()
