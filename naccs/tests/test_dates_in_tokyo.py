"""Every date a person reads is in Tokyo, also in the back office and the commands: at 08:55 on 2027-01-04 in Tokyo it
is still 2027-01-03 in UTC."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from naccs.audit.services import record
from naccs.pki import ca, pickups
from naccs.pki.tests.conftest import certify
from naccs.terminals.models import ReplacedAuthCode
from naccs.tests.helpers import uncertified_terminal

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2027-01-04T08:55", tick=False)]


def test_an_audit_event_names_its_day_and_time_in_tokyo():
    assert str(record(action="test.done")) == "2027/01/04 08:55 test.done"


def test_a_pickup_names_the_day_it_opened_in_tokyo(company):
    terminal = uncertified_terminal(company)
    certify(terminal, age_days=0)
    assert str(pickups.open_pickup(terminal=terminal)).endswith("2027/01/04")


def test_a_replaced_code_names_its_day_in_tokyo(company):
    terminal = uncertified_terminal(company)
    replaced = ReplacedAuthCode.objects.create(terminal=terminal, digest="x", replaced_at=timezone.now())
    assert str(replaced).endswith("2027/01/04")


def test_ca_show_gives_the_validity_in_tokyo():
    out = StringIO()
    call_command("ca_show", stdout=out)
    starts = timezone.localtime(ca.get_authority().certificate.not_valid_before_utc)
    assert f"{starts:%Y/%m/%d %H:%M} – " in out.getvalue() and "(JST)" in out.getvalue()
