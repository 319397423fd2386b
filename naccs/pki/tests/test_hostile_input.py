"""Hostile input to the 取得 form: never a 500, never a certificate, always escaped."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naccs.terminals.models import Certificate
from naccs.tests.hostile import as_form_value, assert_escaped, hostile_text

from .test_views import FORM

pytestmark = pytest.mark.django_db
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(field=st.sampled_from(sorted(FORM)), value=hostile_text)
def test_acquire_survives_hostile_input(terminal, field, value):
    response = Client().post("/pki/acquire/", {**FORM, field: as_form_value(value)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_escaped(response.content.decode(), value)
    assert not Certificate.objects.exists()
