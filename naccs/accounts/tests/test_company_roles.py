"""Roles inside a company (issue 24 #10): who is the company's 管理者."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from naccs.accounts.models import Company, Office, User
from naccs.accounts.roles import manages_contract, sees_contract


@pytest.mark.django_db
def test_a_companys_first_login_is_its_administrator_and_the_next_an_office_user():
    company = Company.objects.create(code="12345678", name="通関商事株式会社")
    office = Office.objects.create(company=company, name="大阪事業所")
    broker = User.objects.create_user("12345678001", company=company, office=office, is_customs_broker=True)
    first = User.objects.create_user("first", company=company, office=office)
    second = User.objects.create_user("second", company=company, office=office)
    assert manages_contract(first)
    assert sees_contract(second) and not manages_contract(second)
    assert not sees_contract(broker) and not manages_contract(broker)


@pytest.mark.django_db
def test_center_staff_are_no_company_administrators():
    assert not User.objects.create_user("center", is_staff=True).is_company_administrator


BEFORE = [("accounts", "0004_set_user_password_permission")]
AFTER = [("accounts", "0005_company_administrator")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_existing_company_login_stays_an_administrator_and_no_broker_becomes_one():
    old = migrate(BEFORE)
    company = old.get_model("accounts", "Company").objects.create(code="12345678", name="通関商事株式会社")
    OldUser = old.get_model("accounts", "User")
    for username in ("tokyo", "osaka"):
        OldUser.objects.create(username=username, company=company)
    OldUser.objects.create(username="12345678001", company=company, is_customs_broker=True)
    OldUser.objects.create(username="center", is_staff=True)
    try:
        new = migrate(AFTER)
        administrators = new.get_model("accounts", "User").objects.filter(is_company_administrator=True)
        assert sorted(administrators.values_list("username", flat=True)) == ["osaka", "tokyo"]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
