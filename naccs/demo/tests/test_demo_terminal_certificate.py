"""demo_terminal_certificate: a demo terminal's certificate with its key, for docs/renewal.md's EST commands."""

import re
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from naccs.pki.tests.conftest import certify
from naccs.terminals.models import Certificate
from naccs.tests.helpers import make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, test_ca):
    settings.DEBUG = True


def run(terminal, out):
    output = StringIO()
    call_command("demo_terminal_certificate", terminal, "--out", str(out), stdout=output)
    return output.getvalue()


def test_it_prints_the_expiry_in_jst(demo, company, tmp_path):
    """Expiring at 03:00 in Tokyo, 20 days from now: still the day before in UTC."""
    day = timezone.localdate() + timedelta(days=20)
    not_after = timezone.make_aware(datetime.combine(day, time(3, 0)))
    assert not_after.astimezone(timezone.get_fixed_timezone(0)).date() == day - timedelta(days=1)
    previous = certify(make_terminal(company, "11110D"), expires_at=not_after)
    output = run("11110D", tmp_path)
    assert f"11110D 有効期限 {day:%Y/%m/%d}" in output
    assert f"it replaces serial {previous.serial}" in output
    assert (tmp_path / "current.pem").exists() and (tmp_path / "current.key").exists()


def test_it_refuses_a_certificate_outside_its_window_and_issues_nothing(demo, company, tmp_path):
    """Renewed in the portal a moment ago: that certificate is the user's, and must stay valid."""
    terminal = make_terminal(company, "11110E")
    fresh = certify(terminal, age_days=0)  # valid 1年間 from now
    count = Certificate.objects.count()
    with pytest.raises(CommandError, match=f"serial {fresh.serial}.*outside its renewal window"):
        run("11110E", tmp_path)
    assert Certificate.objects.count() == count
    assert Certificate.objects.get(pk=fresh.pk).revoked_at is None
    assert not (tmp_path / "current.pem").exists()


def test_the_renewal_guide_uses_the_addresses_make_serve_printed_and_the_real_script_path():
    """Followed word for word after `PORT=8150 make serve`, the guide must reach that server and find est-split."""
    root = Path(__file__).resolve().parents[3]
    guide = (root / "docs" / "renewal.md").read_text()
    trying = guide[guide.index("## Try it against `make serve`") : guide.index("## How the certificate reaches")]
    commands = "\n".join(re.findall(r"```sh\n(.*?)```", trying, re.S))
    assert "/path/to" not in commands
    assert "SITE=$(cat var/site-url)" in commands
    assert not re.search(r"127\.0\.0\.1:8000", commands)
    assert all("$EST" in line for line in commands.splitlines() if "/.well-known/est/" in line)
    for script in re.findall(r'python3 "\$PORTAL/([^"]+)"', commands):
        assert (root / script).is_file(), script
    assert 'python3 "$PORTAL/scripts/est-split"' in commands
