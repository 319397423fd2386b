"""Only a superuser grants privileges in the back office; setting another user's password is a permission of its own."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from naccs.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    """A staff member holding every permission there is but the one to set passwords, and no superuser."""
    user = make_user("manager", is_staff=True)
    user.user_permissions.set(Permission.objects.exclude(codename="set_user_password"))
    return user


def logged_in(user):
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client


def change_form(user, **extra):
    return {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        **extra,
    }


PRIVILEGES = {"is_superuser": "on", "is_staff": "on"}


def test_a_staff_member_with_every_other_permission_cannot_make_themselves_superuser(manager):
    client = logged_in(manager)
    url = reverse("admin:accounts_user_change", args=[manager.pk])
    response = client.post(url, change_form(manager, **PRIVILEGES))
    assert response.status_code == 403
    manager.refresh_from_db()
    assert not manager.is_superuser


def test_a_staff_member_cannot_grant_privileges_to_a_company_user(manager, user):
    group = Group.objects.create(name="強い役割")
    permission = Permission.objects.get(codename="change_user")
    client = logged_in(manager)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = client.get(url).content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page
    response = client.post(
        url, change_form(user, groups=[group.pk], user_permissions=[permission.pk], **PRIVILEGES, department="通関課")
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.department == "通関課"  # the rest of the form is saved
    assert not user.is_superuser and not user.is_staff
    assert not user.groups.exists() and not user.user_permissions.exists()


def test_a_staff_member_cannot_widen_their_own_role(manager):
    group = Group.objects.create(name="閲覧だけの役割")
    manager.groups.add(group)
    client = logged_in(manager)
    url = reverse("admin:auth_group_change", args=[group.pk])
    everything = list(Permission.objects.values_list("pk", flat=True))
    assert client.post(url, {"name": group.name, "permissions": everything}).status_code == 403
    assert client.post(reverse("admin:auth_group_add"), {"name": "新しい役割"}).status_code == 403
    assert not group.permissions.exists()
    assert not Group.objects.filter(name="新しい役割").exists()


def test_a_staff_member_cannot_change_another_staff_account(manager, make_user):
    colleague = make_user("colleague", is_staff=True, email="colleague@example.jp")
    client = logged_in(manager)
    url = reverse("admin:accounts_user_change", args=[colleague.pk])
    assert client.get(url).status_code == 200  # read, not changed
    assert client.post(url, change_form(colleague, email="attacker@example.jp")).status_code == 403
    colleague.refresh_from_db()
    assert colleague.email == "colleague@example.jp"


def test_setting_another_users_password_needs_its_own_permission(manager, user):
    client = logged_in(manager)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    new = {"password1": "a-new-password-2026", "password2": "a-new-password-2026"}
    assert client.get(url).status_code == 403
    assert client.post(url, new).status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    manager.user_permissions.add(Permission.objects.get(codename="set_user_password"))
    assert client.post(url, new).status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-password-2026")


def test_a_superuser_still_grants_privileges(staff_user, user):
    client = logged_in(staff_user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert 'name="is_superuser"' in client.get(url).content.decode()
    assert client.post(url, change_form(user, is_staff="on")).status_code == 302
    assert User.objects.get(pk=user.pk).is_staff


def test_user_management_makes_a_company_login_an_office_user_and_its_administrator_again(manager, user):
    """The company's 管理者 is chosen in the back office (issue 24 #10: naccs.accounts.roles)."""
    assert user.is_company_administrator  # the company's first login
    client = logged_in(manager)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert 'name="is_company_administrator"' in client.get(url).content.decode()
    mine = {"company": user.company_id, "office": user.office_id}
    assert client.post(url, change_form(user, **mine)).status_code == 302
    user.refresh_from_db()
    assert not user.is_company_administrator and user.company_id is not None
    assert client.post(url, change_form(user, **mine, is_company_administrator="on")).status_code == 302
    user.refresh_from_db()
    assert user.is_company_administrator
