# The two commands of README.md: `make serve` and `make test`. Everything else here is what they need.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
# uv comes from PyPI when the machine has none (python -m uv works wherever pip put it).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: serve test install system-test-deps lint pytest-sqlite pytest-postgres

serve: install
	$(RUN) python manage.py migrate --no-input -v0
	$(RUN) python manage.py ca_create --if-missing
	$(RUN) python manage.py load_demo_data
	HOST=$(HOST) PORT=$(PORT) UV="$(UV)" scripts/serve

test: install system-test-deps lint pytest-sqlite pytest-postgres

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

# Debian's Chromium and a Japanese font for the browser tests (without one a screenshot shows boxes) and for the
# invoice PDFs that the tests read back (IPA Gothic, a TrueType font ReportLab embeds), PostgreSQL for the second
# database run, redis-server for the test of several web hosts, nginx and curl for mutual TLS (EST); we run as root.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || missing="$$missing fonts-ipafont-gothic"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v curl >/dev/null 2>&1 || missing="$$missing curl"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .

pytest-sqlite:
	$(RUN) pytest

pytest-postgres:
	scripts/with-test-postgres $(RUN) pytest
