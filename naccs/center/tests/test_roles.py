"""The center's staff roles (issue 24 #6), shipped by a migration: each is tried against every page and action of the
back office, and against the custom pages of its own work."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from conftest import PASSWORD
from naccs.accounts.models import Company, Office, User
from naccs.applications.models import Application, BrokerLine
from naccs.billing.models import BillingAccount, Charge, Invoice, TariffItem
from naccs.terminals.models import LogicalTerminal, NotificationAddress, SettingItem
from naccs.tests.urlmatrix import all_routes, is_staff_route

pytestmark = pytest.mark.django_db
ROLES = ["審査担当", "請求担当", "認証局管理", "閲覧のみ", "利用者管理"]
OUR_MODELS = [
    model for model in apps.get_models() if model.__module__.startswith("naccs.") and admin.site.is_registered(model)
]
# What each role may change, written out here (not read from the migration): the specification of the roles.
CHANGES = {
    "審査担当": {Application, BrokerLine},
    "請求担当": {Invoice, Charge, BillingAccount, TariffItem},
    "認証局管理": {LogicalTerminal, SettingItem},
    "閲覧のみ": set(),
    "利用者管理": {Company, Office, User, NotificationAddress},
}
DELETES = {"利用者管理": {NotificationAddress}}  # a company's 通知先; nothing else is deleted in anyone's everyday work
ACTIONS = {
    "審査担当": {"approve_selected", "resend_set_password_link"},
    "請求担当": {
        "confirm_selected",
        "correct_selected",
        "record_payment_selected",
        "send_direct_debit_form",
        "register_direct_debit",
    },
    "認証局管理": set(),
    "閲覧のみ": set(),
    "利用者管理": {"delete_selected"},  # of 通知先
}
EVERY_ROLE_MAY = {"export_csv"}  # the audit log's CSV: reading, which every role may


@pytest.fixture
def demo(make_application, staff_user):
    call_command("load_demo_data", stdout=StringIO())
    return make_application()


def member_of(role, make_user):
    user = make_user(f"staff-{ROLES.index(role)}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # permissions are cached on the instance


def browser(user):
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client


def request_by(user):
    request = RequestFactory().get("/center/")
    request.user = user
    return request


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_migration_ships_the_five_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    for role in ROLES:
        assert Group.objects.get(name=role).permissions.exists()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_every_page_of_the_back_office(role, make_user, demo):
    client = browser(member_of(role, make_user))
    assert client.get("/center/").status_code == 200
    assert client.get("/center/dashboard/").status_code == 200
    for model in OUR_MODELS:
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        if row := model.objects.first():
            assert client.get(admin_url(model, "change", row.pk)).status_code == 200, model


@pytest.mark.parametrize("role", ROLES)
def test_each_role_changes_what_its_work_needs_and_nothing_else(role, make_user, demo):
    request = request_by(member_of(role, make_user))
    for model in OUR_MODELS:
        model_admin = admin.site.get_model_admin(model)
        assert model_admin.has_change_permission(request) == (model in CHANGES[role]), model
        # Certificates, invoices, the audit log… are deleted by nobody at all (test_permanent_records).
        assert model_admin.has_delete_permission(request) == (model in DELETES.get(role, set())), model


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_actions_of_its_work_only(role, make_user, demo):
    request = request_by(member_of(role, make_user))
    offered = set()
    for model in OUR_MODELS:
        offered |= set(admin.site.get_model_admin(model).get_actions(request))
    assert offered == ACTIONS[role] | EVERY_ROLE_MAY


@pytest.mark.parametrize("role", ROLES)
def test_only_the_reviewers_decide_an_application(role, make_user, demo):
    application = demo
    client = browser(member_of(role, make_user))
    decide = reverse("admin:applications_application_decide", args=[application.pk])
    response = client.post(decide, {"decision": "approve"})
    application.refresh_from_db()
    assert (application.status == Application.Status.APPROVED) == (role == "審査担当"), response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_only_billing_closes_a_month_and_imports_payments(role, make_user, demo):
    client = browser(member_of(role, make_user))
    allowed = role == "請求担当"
    for name in ("billing_invoice_close", "billing_invoice_import"):
        assert client.get(reverse(f"admin:{name}")).status_code == (200 if allowed else 403), name


@pytest.mark.parametrize("role", ROLES)
def test_only_the_ca_role_sees_the_codes_and_only_user_management_sets_passwords(role, make_user, demo):
    client = browser(member_of(role, make_user))
    terminal = LogicalTerminal.objects.first()
    html = client.get(admin_url(LogicalTerminal, "change", terminal.pk)).content.decode()
    assert (terminal.auth_code2 in html) == (role == "認証局管理")
    company_user = User.objects.filter(company__isnull=False).first()
    password_page = client.get(reverse("admin:auth_user_password_change", args=[company_user.pk]))
    assert password_page.status_code == (200 if role == "利用者管理" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_manages_roles_or_staff(role, make_user, demo):
    member = member_of(role, make_user)
    client = browser(member)
    group = Group.objects.get(name=role)
    response = client.post(admin_url(Group, "change", group.pk), {"name": role, "permissions": []})
    assert response.status_code == 403
    assert group.permissions.exists()
    assert not admin.site.get_model_admin(User).has_change_permission(request_by(member), member)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_an_answer_from_every_back_office_url(role, make_user, demo):
    """Every URL of the back office without arguments (the model pages are above): a page, a redirect or a refusal."""
    client = browser(member_of(role, make_user))
    for route in all_routes():
        if not is_staff_route(route) or route.converters or "(?P" in route.template or route.name == "admin:logout":
            continue
        status = client.get(route.fill({})).status_code
        assert status in (200, 302, 403), f"{route.name} gave {status} to {role}"
        if route.name.startswith("admin:auth_group"):
            assert status == 403, route.name  # roles are a superuser's
