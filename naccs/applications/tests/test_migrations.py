"""The move to one Application model keeps every reissue 申込 of a live database, with its reason and terminals."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("applications", "0001_initial"), ("center", "0001_initial")]
AFTER = [("applications", "0002_application_kinds"), ("center", "0002_expiry_reminder_window")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_reissue_applications_and_their_reasons_survive_the_migration():
    old = migrate(BEFORE)
    company = old.get_model("accounts", "Company").objects.create(code="12345678", name="通関商事株式会社")
    user = old.get_model("accounts", "User").objects.create(username="tsukan", company=company)
    terminal = old.get_model("terminals", "LogicalTerminal").objects.create(
        company=company, name="11110A", category="sea", device_type="netNACCS", auth_code1="A", auth_code2="B",
        auth_code3="C",
    )  # fmt: skip
    certificate = old.get_model("terminals", "Certificate").objects.create(
        terminal=terminal, serial="ab", not_before=timezone.now(), not_after=timezone.now(), issued_at=timezone.now()
    )
    application = old.get_model("applications", "ReissueApplication").objects.create(
        company=company, created_by=user, status="submitted", receipt_number="26120100001", reason="other",
        reason_text="端末の故障",
    )  # fmt: skip
    old.get_model("applications", "ReissueApplicationTerminal").objects.create(
        application=application, terminal=terminal
    )
    old.get_model("center", "ExpiryReminder").objects.create(certificate=certificate, kind="28")
    try:
        new = migrate(AFTER)
        migrated = new.get_model("applications", "Application").objects.get(pk=application.pk)
        assert (migrated.kind, migrated.status, migrated.receipt_number) == ("reissue", "submitted", "26120100001")
        reissue = new.get_model("applications", "Reissue").objects.get(application=migrated)
        assert (reissue.reason, reissue.reason_text) == ("other", "端末の故障")
        lines = new.get_model("applications", "ReissueLine").objects.filter(application=migrated)
        assert list(lines.values_list("terminal__name", flat=True)) == ["11110A"]
        assert new.get_model("center", "ExpiryReminder").objects.get().kind == "window"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_an_application_is_of_no_kind_until_it_is_given_one():
    """Every 申込 is made of its kind (lifecycle.start); none becomes a reissue because a caller forgot to say."""
    from naccs.applications.models import Application

    assert not Application._meta.get_field("kind").has_default()
    assert Application().kind == ""
