from datetime import timedelta

import pytest
from django.utils import timezone

from naccs.lib.business_days import earliest_desired_date
from naccs.terminals.models import Certificate, LogicalTerminal

APPLICANT = {
    "last_name": "通関",
    "first_name": "花子",
    "last_name_kana": "ツウカン",
    "first_name_kana": "ハナコ",
    "department": "第一通関部通関課",
    "job_title": "係長",
    "phone": "0312345678",
    "fax": "",
    "email": "hanako@example.jp",
    "email_confirm": "hanako@example.jp",
}


def make_terminal(company, name, **fields):
    terminal = LogicalTerminal.objects.create(
        company=company,
        name=name,
        category=fields.pop("category", LogicalTerminal.Category.SEA),
        device_type=fields.pop("device_type", LogicalTerminal.DeviceType.NET),
        auth_code1=f"NAC{name}",
        auth_code2="ABCDE00001",
        auth_code3="NACCS",
        **fields,
    )
    issued = timezone.now() - timedelta(days=300)
    Certificate.objects.create(
        terminal=terminal,
        serial=f"{terminal.pk:032x}",
        not_before=issued,
        not_after=issued + timedelta(days=365),
        issued_at=issued,
    )
    return terminal


@pytest.fixture
def terminals(company):
    return [make_terminal(company, name) for name in ("11110A", "11110B", "11110C")]


@pytest.fixture
def other_terminal(other_company):
    return make_terminal(other_company, "22220A")


@pytest.fixture
def desired():
    return earliest_desired_date().strftime("%Y%m%d")


@pytest.fixture
def walk(user_client, terminals, desired):
    """Walk the wizard up to the 確認画面; returns the draft's id."""

    def go(client=user_client, terminal_ids=None):
        response = client.post("/applications/reissue/")
        pk = int(response.url.split("/")[3])
        client.post(f"/applications/reissue/{pk}/applicant/", APPLICANT)
        client.post(
            f"/applications/reissue/{pk}/terminals/",
            {
                "desired_date": desired,
                "reason": "expired",
                "terminals": terminal_ids or [terminals[0].pk],
            },
        )
        return pk

    return go
