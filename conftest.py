"""Shared test fixtures: the two companies of the isolation rule, their users, and a real Chromium."""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery-2026"


@pytest.fixture(scope="session")
def softhsm_dir(tmp_path_factory):
    """This run's SoftHSM token directory (naccs/pki/tests/softhsm.py); skips where softhsm2 is not installed."""
    from naccs.pki.tests import softhsm

    if reason := softhsm.missing():
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("softhsm")
    softhsm.configure(directory)
    return directory


@pytest.fixture(scope="session")
def session_ca_dir(request, tmp_path_factory):
    """One test CA for the whole run (EC, quick to make), never the developer's var/ca. With
    NACCS_TEST_CA_BACKEND=pkcs11 (make pytest-pki-hsm) its key is made in a SoftHSM token, for the whole run."""
    from django.conf import settings

    from naccs.pki import ca

    if os.environ.get("NACCS_TEST_CA_BACKEND", "file") == "pkcs11":
        from naccs.pki.tests import softhsm

        if reason := softhsm.missing():
            pytest.fail(f"NACCS_TEST_CA_BACKEND=pkcs11, but {reason}")
        request.getfixturevalue("softhsm_dir")
        softhsm.fresh_token().use(settings)
    directory = tmp_path_factory.mktemp("ca")
    original = settings.CA_DIR
    settings.CA_DIR = directory
    ca.create(key_type="ec", common_name="NACCS Support Test CA")
    settings.CA_DIR = original
    return directory


@pytest.fixture(autouse=True)
def test_ca(settings, session_ca_dir):
    settings.CA_DIR = session_ca_dir
    yield session_ca_dir
    # The CA's marks of the newest CRL and OCSP answer it published (naccs.pki.high_water) belong to this test's
    # database only.
    from naccs.pki import high_water

    for name in (high_water.MARK_FILE, high_water.CRL_COPY_FILE, high_water.ANSWERS_MARK_FILE):
        (session_ca_dir / name).unlink(missing_ok=True)


class Clock:
    """The test's "now": `clock.at("2027-03-01 10:00")` moves every clock of this process (Django's timezone.now,
    datetime, time.time; not time.monotonic) to that moment in Tokyo. Child processes keep the real clock: to run a
    whole suite at another date, use `make test-at` (Debian's faketime)."""

    def __init__(self, traveller):
        self.traveller = traveller
        self.ticking = True

    def at(self, moment: str, *, tick: bool = True):
        """Move to `moment` (ISO, Tokyo time) and return it as an aware datetime; with tick=False time stands still."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        destination = datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Asia/Tokyo"))
        self.traveller.move_to(destination, tick=tick)
        self.ticking = tick
        return destination

    def stand_still(self):
        """Stop the clock where it is, so that midnight cannot pass between working out a date and posting it."""
        from django.utils import timezone

        self.traveller.move_to(timezone.localtime(), tick=False)
        self.ticking = False

    def advance(self, **delta):
        """Move forward from now by a timedelta's keywords (days=, hours=, minutes=, seconds=)."""
        from datetime import timedelta

        from django.utils import timezone

        # In Tokyo time: time-machine takes the local time zone from the destination's, and Django's is Tokyo.
        self.traveller.move_to(timezone.localtime() + timedelta(**delta), tick=self.ticking)


@pytest.fixture
def clock(request, time_machine):
    """The one way a test pins the clock (time-machine). A test marked `@pytest.mark.clock("2027-03-01T10:00")` starts
    at that moment in Tokyo, before any other fixture runs, so that logins and rows are made then; a test may also
    call `clock.at(...)` itself."""
    pinned = Clock(time_machine)
    if marker := request.node.get_closest_marker("clock"):
        pinned.at(*marker.args, **marker.kwargs)
    return pinned


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("clock"):
            item.fixturenames.insert(0, "clock")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: sessions of rows rolled back after one test must not reach the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(db):
    from naccs.accounts.models import Company

    return Company.objects.create(code="12345678", name="通関商事株式会社")


@pytest.fixture
def office(company):
    return company.offices.create(name="東京事業所")


@pytest.fixture
def other_company(db):
    from naccs.accounts.models import Company

    return Company.objects.create(code="87654321", name="港湾物流株式会社")


@pytest.fixture
def make_user(db):
    from naccs.accounts.models import User

    def make(username="user1", *, company=None, office=None, **fields):
        user = User(username=username, company=company, office=office, **fields)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def user(make_user, company, office):
    return make_user(
        "tsukan",
        company=company,
        office=office,
        last_name="通関",
        first_name="花子",
        last_name_kana="ツウカン",
        first_name_kana="ハナコ",
        email="hanako@example.jp",
    )


@pytest.fixture
def other_user(make_user, other_company):
    return make_user("kowan", company=other_company)


@pytest.fixture
def staff_user(make_user):
    return make_user("center", is_staff=True, is_superuser=True)


@pytest.fixture
def user_client(client, user):
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client


@pytest.fixture
def other_client(other_user):
    """A separate browser for company B, so that a test can use it next to user_client."""
    from django.test import Client

    client = Client()
    client.post("/accounts/login/", {"username": other_user.username, "password": PASSWORD})
    return client


_counter = {"n": 0}


@pytest.fixture
def run_day():
    """The next business day: the earliest 希望日 a 申込 made today may have."""
    from naccs.lib.business_days import next_business_day, today

    return next_business_day(today())


@pytest.fixture
def make_application(user, run_day):
    """A registered (受付済) 申込 for `run_day` naming `count` new terminals."""

    from django.utils import timezone

    from naccs.applications.models import Application, Reissue, ReissueLine
    from naccs.tests.helpers import make_terminal

    def make(*, company=None, count=2, status="submitted", reason="expired", day=None):
        company = company or user.company
        _counter["n"] += 1
        n = _counter["n"]
        application = Application.objects.create(
            kind="reissue",
            company=company,
            created_by=user,
            status=status,
            receipt_number=f"2026{n:07d}",
            applicant_last_name="通関",
            applicant_first_name="花子",
            applicant_email="hanako@example.jp",
            desired_date=day or run_day,
            submitted_at=timezone.now(),
        )
        Reissue.objects.create(application=application, reason=reason)
        for i in range(count):
            terminal = make_terminal(company, f"{n % 10000:04d}{i:02d}"[-6:])
            ReissueLine.objects.create(application=application, terminal=terminal)
        return application

    return make


@pytest.fixture
def staff_client(client, staff_user):
    client.post("/accounts/login/", {"username": staff_user.username, "password": PASSWORD})
    return client


@pytest.fixture
def browser(monkeypatch):
    """A real Chromium for one test. Playwright's sync API keeps an event loop running in the test thread for as long
    as it is started, so Django's ORM calls from this thread are allowed (DJANGO_ALLOW_ASYNC_UNSAFE) for this test
    only: in every other test a database call from an event loop (the responder's) stays an error."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
