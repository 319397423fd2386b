"""The issuer's 登録番号 is T and 13 digits, or the portal does not start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


# No T, 12 digits, 14 digits, a full-width Ｔ, full-width digits.
NOT_T_AND_13_DIGITS = ["1234567890123", "T123456789012", "T12345678901234", "Ｔ1234567890123", "T" + "１" * 13]


@pytest.mark.parametrize("number", NOT_T_AND_13_DIGITS)
def test_it_refuses_to_start_with_a_registration_number_that_is_not_t_and_13_digits(tmp_path, number):
    env = {**os.environ, "INVOICE_REGISTRATION_NUMBER": number, "VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "INVOICE_REGISTRATION_NUMBER must be T and 13 digits" in result.stderr


def test_it_starts_with_a_registration_number_of_t_and_13_digits(tmp_path):
    env = {**os.environ, "INVOICE_REGISTRATION_NUMBER": "T9876543210987", "VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
