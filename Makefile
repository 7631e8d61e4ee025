# Advocacy: `make run` serves the demo with zero services; `make test` runs the whole suite on
# PostgreSQL, Redis, a real Celery worker and headless Chromium.

PORT ?= 8000
PYTHON := $(shell ./scripts/find-python 2>/dev/null)
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint format messages install check-python services browser clean

check-python:
	@test -n "$(PYTHON)" || ./scripts/find-python

$(UV): | check-python
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --python "$(PYTHON)" --quiet

run: install
	DJANGO_SETTINGS_MODULE=advocacy.settings.local $(BIN)/python manage.py migrate --no-input -v 0
	DJANGO_SETTINGS_MODULE=advocacy.settings.local $(BIN)/python manage.py seed_demo
	DJANGO_SETTINGS_MODULE=advocacy.settings.local $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

services:
	./scripts/services

browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "[browser] installing Debian's chromium for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy advocacy advocates requests_mgmt benefits reporting

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: services browser lint
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=advocacy.settings.test $(BIN)/python manage.py makemigrations --check --dry-run -v 1
	DJANGO_SETTINGS_MODULE=advocacy.settings.test $(BIN)/pytest $(PYTEST_ARGS)

messages: install
	$(BIN)/python manage.py makemessages --no-obsolete --no-location -l pt_BR -l ja \
		--ignore=.venv --ignore=.tools --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) $(TOOLS) db.sqlite3 staticfiles
