"""var/ (the SQLite database, mail, the CA) is made private when a process starts, not when its settings are read."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "naccs.settings", "VAR_DIR": str(var_dir)}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def test_reading_the_settings_makes_no_directory(tmp_path):
    run("from django.conf import settings; settings.VAR_DIR", tmp_path / "var")
    assert not (tmp_path / "var").exists()


def test_a_started_process_makes_var_private_and_its_files_its_own(tmp_path):
    var_dir = tmp_path / "var"
    run(
        "import django; django.setup(); from django.conf import settings; (settings.VAR_DIR / 'f').write_text('x')",
        var_dir,
    )
    assert var_dir.stat().st_mode & 0o777 == 0o700
    assert (var_dir / "f").stat().st_mode & 0o777 == 0o600
