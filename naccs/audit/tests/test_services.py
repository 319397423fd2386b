import pytest

from naccs.audit.models import AuditEvent
from naccs.audit.services import event, record, record_many

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


def test_record_many_writes_all_events_in_one_statement(company, django_assert_num_queries):
    events = [event(action="a.first", company=company, obj=company), event(action="a.second", actor_label="192.0.2.1")]
    with django_assert_num_queries(1):
        written = record_many(events)
    assert all(written_event.pk for written_event in written)
    stored = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_label", "object_id"))
    assert stored == [("a.first", "system", str(company.pk)), ("a.second", "192.0.2.1", "")]
    assert all(created is not None for created in AuditEvent.objects.values_list("created_at", flat=True))


def test_record_many_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_many([]) == []
