"""The center's staff roles, shipped as data (issue 24 #6): five Groups with Japanese names and what each may do in
the back office. A superuser gives staff members their roles; only a superuser changes a role (accounts.admin).

The permissions are listed here and nowhere else (docs/security.md describes them). A later model or permission a
role needs comes with a migration of its own that adds it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OUR_APPS = ["accounts", "audit", "mailer", "portal", "terminals", "pki", "applications", "billing", "center"]
# Read-only pages of other apps: django-axes' lockouts and the task queue.
OTHER_VIEWS = ["axes", "django_tasks_database"]

# What each role may do beyond reading every page ("app_label.codename").
ROLES = {
    "閲覧のみ": [],
    "審査担当": [
        "applications.change_application",  # 承認, 確認事項, 却下 (the decide page and the bulk 承認)
        "applications.change_brokerline",  # パスワード設定の案内を再送信
    ],
    "請求担当": [
        "billing.change_invoice",  # 月次締め, 確定, 訂正 (赤伝), 入金, the bank CSV
        "billing.add_invoiceline",
        "billing.change_invoiceline",
        "billing.delete_invoiceline",  # a draft's lines only (billing.models)
        "billing.add_charge",
        "billing.change_charge",
        "billing.add_billingaccount",
        "billing.change_billingaccount",  # 口座振替
        "billing.add_tariffitem",
        "billing.change_tariffitem",
    ],
    "認証局管理": [
        "terminals.view_auth_codes",  # each showing audited
        "terminals.add_logicalterminal",
        "terminals.change_logicalterminal",
        "terminals.add_terminalsetting",
        "terminals.change_terminalsetting",
        "terminals.delete_terminalsetting",
        "terminals.add_settingitem",
        "terminals.change_settingitem",
    ],
    "利用者管理": [
        "accounts.add_company",
        "accounts.change_company",
        "accounts.add_office",
        "accounts.change_office",
        "accounts.add_user",
        "accounts.change_user",  # company users only: staff accounts are a superuser's (accounts.admin)
        "accounts.set_user_password",
        "terminals.add_notificationaddress",
        "terminals.change_notificationaddress",
        "terminals.delete_notificationaddress",
        "axes.delete_accessattempt",  # lift a lockout when the helpdesk has checked who calls
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after the last migration (post_migrate); a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    views = Permission.objects.filter(
        codename__startswith="view_", content_type__app_label__in=OUR_APPS + OTHER_VIEWS
    ).exclude(codename="view_auth_codes")
    for name, extra in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*views)
        for label in extra:
            app_label, codename = label.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("center", "0004_expiry_reminder_schedule"),
        ("accounts", "0004_set_user_password_permission"),
        ("audit", "0001_initial"),
        ("mailer", "0001_initial"),
        ("portal", "0001_initial"),
        ("terminals", "0006_view_auth_codes_permission"),
        ("pki", "0003_alter_preparedocspresponse_certificate"),
        ("applications", "0006_application_kind_choices"),
        ("billing", "0001_invoices_tariff_payments_accounts"),
        ("axes", "0010_accessattemptexpiration"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
