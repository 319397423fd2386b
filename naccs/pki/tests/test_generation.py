"""Issue 26 #10: a process refuses to start when its CA files are not the generation the database says is current
(another host rotated the CA and this host kept its own copy of CA_DIR)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from naccs.audit.services import record
from naccs.pki import ca, generation
from naccs.tests.helpers import database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def rotated_elsewhere() -> None:
    """What `ca_rotate` on another host leaves in the shared database: the new CA's serial, not ours."""
    ours = f"{ca.get_authority().certificate.serial_number:x}"
    record(action="ca.rotated", before={"serial": ours}, after={"serial": "1234abcd"})


def test_a_ca_never_rotated_or_rotated_here_passes():
    generation.check_generation()
    ours = f"{ca.get_authority().certificate.serial_number:x}"
    record(action="ca.rotated", before={"serial": "1234abcd"}, after={"serial": ours})
    generation.check_generation()


def test_ca_files_of_another_generation_are_refused():
    rotated_elsewhere()
    with pytest.raises(generation.CAGenerationMismatch, match="1234abcd"):
        generation.check_generation()


def test_the_portal_refuses_to_start_on_ca_files_of_another_generation(test_ca, tmp_path):
    rotated_elsewhere()
    env = {**os.environ, "DATABASE_URL": database_url(), "CA_DIR": str(test_ca), "PYTHONPATH": str(ROOT),
           "VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING"}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "naccs.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{free_port()}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "not the current CA generation" in result.stderr


def test_a_task_worker_refuses_to_start_on_ca_files_of_another_generation(test_ca, tmp_path):
    rotated_elsewhere()
    env = {**os.environ, "DATABASE_URL": database_url(), "CA_DIR": str(test_ca), "PYTHONPATH": str(ROOT),
           "VAR_DIR": str(tmp_path / "var")}  # fmt: skip
    command = [sys.executable, "manage.py", "run_worker", "--no-reload", "--batch"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "not the current CA generation" in result.stderr
