"""The systemd units in deploy/systemd supervise every long-running part of the layout and never give up on one
(issue 26 #2); systemd-analyze reads them without an error."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
PARTS = {
    "naccs-portal.service": "gunicorn naccs.wsgi",
    "naccs-responder.service": "gunicorn -k asgi naccs.responder",
    "naccs-worker@.service": "manage.py run_worker --no-reload",
    "naccs-scheduler.service": "manage.py run_scheduler",
}


def read_unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#",))
    unit.optionxform = str
    unit.read(path)
    return unit


def test_each_part_has_a_unit_that_always_restarts_it():
    assert sorted(path.name for path in UNITS.glob("*.service")) == sorted(PARTS)
    for name, command in PARTS.items():
        unit = read_unit(UNITS / name)
        assert command in unit["Service"]["ExecStart"], name
        assert unit["Service"]["Restart"] == "always", name
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", name  # systemd never stops restarting it


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
def test_systemd_reads_the_units_without_an_error(tmp_path):
    for name in PARTS:
        # The units name the production paths; here they point at this checkout so that the commands exist.
        text = (UNITS / name).read_text().replace("/srv/naccs", str(ROOT))
        target = tmp_path / name.replace("@.", "@1.")
        target.write_text(text)
        result = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(target)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and not result.stderr.strip(), (name, result.stderr)
