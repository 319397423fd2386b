import pytest

from naccs.audit.models import AuditEvent
from naccs.audit.services import event, record

pytestmark = pytest.mark.django_db


def test_record_writes_who_did_what_to_which_object(company, user):
    written = record(action="company.renamed", actor=user, company=company, obj=company, after={"name": "x"}, why="t")
    stored = AuditEvent.objects.get()
    assert stored == written
    assert (stored.actor, stored.actor_label, stored.company) == (user, user.username, company)
    assert (stored.object_type, stored.object_id) == ("accounts.Company", str(company.pk))
    assert (stored.before, stored.after, stored.details) == ({}, {"name": "x"}, {"why": "t"})


def test_an_event_without_an_actor_is_labelled_system():
    assert record(action="nightly.run").actor_label == "system"


def test_an_event_is_built_unsaved_with_the_same_fields_as_record(company, user):
    built = event(action="company.renamed", actor=user, company=company, obj=company, why="t")
    assert built.pk is None
    assert (built.actor_label, built.object_type, built.details) == (user.username, "accounts.Company", {"why": "t"})
