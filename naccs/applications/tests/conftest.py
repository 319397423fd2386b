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
def desired(clock):
    """The earliest 希望日 (YYYYMMDD) of a 申込 made now; the clock stands still, so that it stays the earliest."""
    clock.stand_still()
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


@pytest.fixture
def walk_contract_change(user_client, terminals, office, desired):
    """Walk the 契約内容の変更 wizard up to the 確認画面 (new name, a terminal added and one removed); the draft id."""

    def go(client=user_client):
        pk = int(client.post("/applications/contract_change/").url.split("/")[3])
        client.post(f"/applications/contract_change/{pk}/applicant/", APPLICANT)
        client.post(
            f"/applications/contract_change/{pk}/details/",
            {"desired_date": desired, "company_name": "新通関商事株式会社", "phone": "03-1111-2222"},
        )
        items = f"/applications/contract_change/{pk}/items/"
        client.post(
            items,
            {
                "go": "add_terminal",
                "add_terminal-category": "air",
                "add_terminal-device_type": "webNACCS",
                "add_terminal-terminal_office": office.pk,
            },
        )
        client.post(items, {"go": "remove_terminal", "remove_terminal-terminal_name": terminals[1].name})
        assert client.post(items, {"go": "confirm"}).url == f"/applications/contract_change/{pk}/confirm/"
        return pk

    return go


@pytest.fixture
def setting_items(db):
    """The catalogue the data migration seeds (seeded again after a transactional test flushed the tables)."""
    from naccs.terminals.catalogue import seed_catalogue
    from naccs.terminals.models import SettingItem

    seed_catalogue(SettingItem)
    return {item.code: item for item in SettingItem.objects.all()}


@pytest.fixture
def walk_system_settings(user_client, terminals, desired, setting_items):
    """Walk the システム設定の申込 wizard up to the 確認画面 (one notification address, one terminal set)."""

    def go(client=user_client):
        pk = int(client.post("/applications/system_settings/").url.split("/")[3])
        client.post(f"/applications/system_settings/{pk}/applicant/", APPLICANT)
        client.post(
            f"/applications/system_settings/{pk}/details/", {"desired_date": desired, "address1": "notice@example.jp"}
        )
        page = f"/applications/system_settings/{pk}/terminals/"
        client.post(
            page,
            {
                "go": "add",
                "terminal_name": terminals[0].name,
                "business_groups": [setting_items["SEA-IMP"].pk, setting_items["INQ"].pk],
                f"output_{setting_items['PERMIT'].pk}": "permit@example.jp",
            },
        )
        assert client.post(page, {"go": "confirm"}).url == f"/applications/system_settings/{pk}/confirm/"
        return pk

    return go
