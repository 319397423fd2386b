"""Staff with only the "view" permission read the back office and change nothing, through any page or action."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from naccs.applications.models import Application

pytestmark = pytest.mark.django_db
OUR_MODELS = [
    model for model in apps.get_models() if model.__module__.startswith("naccs.") and admin.site.is_registered(model)
]


@pytest.fixture
def viewer(make_user):
    user = make_user("viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})
    return client


@pytest.fixture
def demo(make_application, staff_user):
    call_command("load_demo_data", stdout=StringIO())
    return make_application()


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_a_viewer_reads_every_list_and_detail(viewer, demo):
    for model in OUR_MODELS:
        assert viewer.get(admin_url(model, "changelist")).status_code == 200, model
        if row := model.objects.first():
            assert viewer.get(admin_url(model, "change", row.pk)).status_code == 200, model


def test_a_viewer_can_neither_add_change_nor_delete(viewer, demo):
    for model in OUR_MODELS:
        row = model.objects.first()
        if row is None:
            continue
        before = model.objects.filter(pk=row.pk).values().get()
        assert viewer.post(admin_url(model, "add"), {}).status_code == 403, model
        assert viewer.post(admin_url(model, "change", row.pk), {}).status_code in (403, 302), model
        assert viewer.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403, model
        assert model.objects.filter(pk=row.pk).values().get() == before, model


def test_a_viewer_cannot_decide_or_approve_in_bulk(viewer, demo):
    application = demo
    decide = reverse("admin:applications_application_decide", args=[application.pk])
    assert viewer.post(decide, {"decision": "approve"}).status_code == 403
    changelist = admin_url(Application, "changelist")
    viewer.post(changelist, {"action": "approve_selected", "_selected_action": [application.pk]})
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_no_action_of_any_list_changes_anything_for_a_viewer(viewer, demo):
    counts = {model: model.objects.count() for model in OUR_MODELS}
    for model in OUR_MODELS:
        pks = list(model.objects.values_list("pk", flat=True)[:3])
        for action in admin.site.get_model_admin(model).get_actions(_superuser_request()):
            viewer.post(admin_url(model, "changelist"), {"action": action, "_selected_action": pks, "post": "yes"})
    assert {model: model.objects.count() for model in OUR_MODELS} == counts
    assert not Application.objects.filter(status=Application.Status.APPROVED).exists()


def _superuser_request():
    """A request of someone who may do everything: to list every action a model has."""
    from django.test import RequestFactory

    from naccs.accounts.models import User

    request = RequestFactory().get("/center/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    return request
