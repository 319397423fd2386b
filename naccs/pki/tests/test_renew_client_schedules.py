"""naccs-renew's scheduling recipes (client/systemd, client/windows): the units pass `systemd-analyze verify`, the
Windows task runs at logon and every 8 hours, and both call the client with options it accepts."""

import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from naccs_renew.cli import parser

CLIENT = Path(__file__).resolve().parents[3] / "client"
TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


def exec_start(service: str) -> str:
    return re.search(r"^ExecStart=(.*)$", service, re.MULTILINE).group(1)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze (Debian's systemd)")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    # verify also requires ExecStart's program to exist: a stand-in where the operator installs the real one.
    program = tmp_path / "naccs-renew"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    for unit in ("naccs-renew.service", "naccs-renew.timer"):
        text = (CLIENT / "systemd" / unit).read_text()
        (tmp_path / unit).write_text(text.replace("/usr/local/bin/naccs-renew", str(program)))
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "naccs-renew.timer", "naccs-renew.service"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # A directive systemd cannot parse is only a warning: the output must be empty too.
    assert (verified.returncode, verified.stdout, verified.stderr) == (0, "", "")


def test_the_timer_runs_every_four_hours_catches_up_after_downtime_and_spreads_machines():
    timer = (CLIENT / "systemd" / "naccs-renew.timer").read_text()
    assert "\nOnCalendar=*-*-* 00/4:00:00\n" in timer
    assert "\nPersistent=true\n" in timer
    assert "\nRandomizedDelaySec=1h\n" in timer


def test_the_service_runs_the_client_with_options_it_accepts_and_no_password_on_the_command_line():
    command = exec_start((CLIENT / "systemd" / "naccs-renew.service").read_text())
    program, *arguments = shlex.split(command)
    assert program == "/usr/local/bin/naccs-renew"
    parsed = parser().parse_args([*arguments, "--server", "https://support.example.jp"])
    assert parsed.command == "run" and parsed.password_file == "%d/password"


def windows_task():
    return ET.parse(CLIENT / "windows" / "naccs-renew.xml").getroot()


def test_the_windows_task_runs_at_logon_and_every_eight_hours_and_when_a_run_was_missed():
    task = windows_task()
    assert task.find(f"{TASK}Triggers/{TASK}LogonTrigger/{TASK}Enabled").text == "true"
    assert task.find(f"{TASK}Triggers/{TASK}TimeTrigger/{TASK}Repetition/{TASK}Interval").text == "PT8H"
    assert task.find(f"{TASK}Settings/{TASK}StartWhenAvailable").text == "true"
    assert task.find(f"{TASK}Settings/{TASK}MultipleInstancesPolicy").text == "IgnoreNew"


def test_the_windows_task_runs_the_client_with_options_it_accepts_and_the_documented_import_line():
    task = windows_task()
    assert task.find(f"{TASK}Actions/{TASK}Exec/{TASK}Command").text.endswith(r"\naccs-renew.exe")
    arguments = task.find(f"{TASK}Actions/{TASK}Exec/{TASK}Arguments").text
    parsed = parser().parse_args(shlex.split(arguments))
    assert parsed.command == "run" and parsed.password_credential == "naccs-renew/11110A"
    # The --exec line operators copy from the README is the one the task runs.
    for readme in (CLIENT / "README.md", CLIENT.parent / "docs" / "renewal.md"):
        assert f'--exec "{parsed.exec_command}"' in readme.read_text(), readme
    assert parsed.exec_command.startswith("powershell.exe -NoProfile -NonInteractive -Command Import-PfxCertificate")
    assert r"-CertStoreLocation Cert:\CurrentUser\My" in parsed.exec_command
