# The two commands of README.md: `make serve` and `make test`. Everything else here is what they need.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
# uv comes from PyPI when the machine has none (python -m uv works wherever pip put it).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: serve test test-at install system-test-deps lint pytest-sqlite pytest-postgres pytest-moments pytest-pki-hsm \
	sqlite-moments-hsm

serve: install
	$(RUN) python manage.py migrate --no-input -v0
	$(RUN) python manage.py ca_create --if-missing
	$(RUN) python manage.py load_demo_data
	HOST=$(HOST) PORT=$(PORT) UV="$(UV)" scripts/serve

# Two lines of runs at once (each pytest mostly keeps one core busy, and the machines have two), about as long as
# each other: the whole suite on PostgreSQL, with the tests that start the production layout's processes; and the
# rest of the suite on SQLite, then the date-sensitive tests at fixed moments, then the PKI tests with the CA's key in
# SoftHSM (issue 25 #4: the same suite on the PKCS#11 backend). --output-sync prints each run's output whole.
test: install system-test-deps lint
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest-postgres sqlite-moments-hsm

sqlite-moments-hsm:
	$(MAKE) --no-print-directory pytest-sqlite
	$(MAKE) --no-print-directory pytest-moments
	$(MAKE) --no-print-directory pytest-pki-hsm

# The whole suite on SQLite with the clock moved to DATE in Tokyo (Debian's faketime): make test-at DATE=2027-02-28T23:30
test-at: install system-test-deps
	@[ -n "$(DATE)" ] || { echo "usage: make test-at DATE=YYYY-MM-DDTHH:MM (Tokyo time)"; exit 2; }
	scripts/at-moment $(DATE) $(RUN) pytest

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

# Debian's Chromium and a Japanese font for the browser tests (without one a screenshot shows boxes) and for the
# invoice PDFs that the tests read back (IPA Gothic, a TrueType font ReportLab embeds), PostgreSQL for the second
# database run, redis-server for the test of several web hosts, nginx and curl for mutual TLS (EST), faketime for the
# runs at other dates, SoftHSM 2 for the CA key in an HSM (PKCS#11, docs/hsm.md); we run as root.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || missing="$$missing fonts-ipafont-gothic"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v curl >/dev/null 2>&1 || missing="$$missing curl"; \
	command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	command -v softhsm2-util >/dev/null 2>&1 || missing="$$missing softhsm2"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

# The tests marked `layout` start the production layout's own processes (nginx, gunicorn, workers, redis-server, a
# throw-away PostgreSQL, a fresh venv): they run once, with the PostgreSQL run (production's database), not twice.
# A plain `pytest` runs them as well.
pytest-sqlite:
	$(RUN) pytest -m "not layout"

pytest-postgres:
	scripts/with-test-postgres $(RUN) pytest

# The PKI tests again with the test CA's key in a SoftHSM 2 token (CA_KEY_BACKEND=pkcs11, docs/hsm.md): the same suite
# with the CA on an HSM (issue 25 #4). The browser tests sign nothing the others do not; the layout tests run their
# processes around the same signing code, which the others reach in-process (forked workers: test_hsm.py).
pytest-pki-hsm: install system-test-deps
	NACCS_TEST_CA_BACKEND=pkcs11 $(RUN) pytest -q -m "not browser and not layout" naccs/pki/tests

# The date-sensitive part of the suite (renewal windows, expiry, pickups, 希望日, reminders, the morning run, 残り日数)
# again at fixed moments in Tokyo, besides today: the last business day before the year-end closure and the turn
# into it, the first business day after it while UTC is still on the day before, a month end into March with a leap
# day in the year ahead, the eve of Golden Week, and just after midnight on a leap day.
TEST_MOMENTS := 2026-12-28T23:59 2027-01-04T08:55 2027-02-28T23:59 2027-04-28T10:00 2028-02-29T00:01
CALENDAR_TESTS := naccs/lib naccs/terminals naccs/contract naccs/tests/test_manual_periods.py \
	naccs/pki/tests/test_acquire.py naccs/pki/tests/test_acquire_with_certificate.py naccs/pki/tests/test_est.py \
	naccs/center/tests/test_reminders.py naccs/center/tests/test_morning_run.py naccs/center/tests/test_fleet.py \
	naccs/center/tests/test_expiry_notices.py naccs/center/tests/test_resume.py naccs/center/tests/test_lifecycle.py \
	naccs/applications/tests/test_wizard.py naccs/applications/tests/test_terminals_form.py \
	naccs/applications/tests/test_terminal_pages.py naccs/applications/tests/test_broker_ids.py \
	naccs/applications/tests/test_broker_ids_logins.py naccs/applications/tests/test_contract_change.py \
	naccs/applications/tests/test_system_settings.py naccs/pki/tests/test_renew_client_timing.py \
	naccs/portal/tests/test_home.py naccs/accounts/tests/test_idle_timeout.py

pytest-moments:
	scripts/test-moments "$(TEST_MOMENTS)" $(RUN) pytest -q -m "not browser" $(CALENDAR_TESTS)
