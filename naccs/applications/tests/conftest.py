import pytest

from naccs.lib.business_days import earliest_desired_date
from naccs.tests.helpers import APPLICANT, make_terminal

__all__ = ["APPLICANT", "make_terminal"]


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
                "reason": "replaced",
                "terminals": terminal_ids or [terminals[0].pk],
            },
        )
        return pk

    return go
