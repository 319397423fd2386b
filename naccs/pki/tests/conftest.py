import subprocess
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from naccs.pki import acquisition, ca, issuance
from naccs.terminals.models import LogicalTerminal

CODES = ("NAC11110A", "ABCDE00001", "NACCS")
P12_PASSWORD = "p12-pass-2026"


def make_terminal(company, name="11110A", codes=CODES):
    return LogicalTerminal.objects.create(
        company=company,
        name=name,
        category=LogicalTerminal.Category.SEA,
        device_type=LogicalTerminal.DeviceType.NET,
        auth_code1=codes[0],
        auth_code2=codes[1],
        auth_code3=codes[2],
    )


def certify(terminal, *, age_days):
    """A real certificate issued `age_days` ago, valid one year from then."""
    issued = timezone.now() - timedelta(days=age_days)
    return issuance.issue_certificate(
        terminal=terminal,
        public_key=ca.new_private_key("ec").public_key(),
        not_before=issued,
        not_after=issued + timedelta(days=365),
    )


def acquire(terminal_name="11110A", codes=CODES, address="192.0.2.10", password=P12_PASSWORD):
    return acquisition.acquire_certificate(
        terminal_name=terminal_name, auth_codes=codes, password=password, client_address=address
    )


def openssl(*args, cwd, input_text=None):
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, input=input_text)


def write_pem(path, obj):
    path.write_bytes(obj.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture
def terminal(company):
    return make_terminal(company)


@pytest.fixture
def renewable(terminal):
    """A terminal whose certificate expires in 15 days: inside the 28-day window."""
    certify(terminal, age_days=350)
    return terminal
