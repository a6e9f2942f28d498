# Two entry points: `make demo` (run the product with demo data) and `make test`.
# Everything is installed by these targets on a fresh Debian machine with python3 and make.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PG_URL  ?= postgres://postgres@127.0.0.1:5432/test
# Tests run with DEBUG off; plain http on localhost, so no SSL redirect or secure cookies.
TEST_ENV := SECRET_KEY=make-test-only-secret-key-not-for-production-0123456789 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-sqlite test-postgresql bench fuzz rehearsal lint sysdeps browser caddy serve clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Fonts for official PDFs: Liberation Serif (metric-compatible with Times New Roman,
# Decree 30/2020) with DejaVu Serif as the fallback; SoftHSM2, a software PKCS#11 token
# that stands in for a USB signing token in the tests and the demo.
sysdeps:
	@fc-list 2>/dev/null | grep -q "Liberation Serif" || { \
	  echo "Installing fonts-liberation…"; \
	  $(SUDO) apt-get install -y -q fonts-liberation fonts-dejavu-core >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q fonts-liberation fonts-dejavu-core >/dev/null; }; }
	@[ -x /usr/bin/softhsm2-util ] || { \
	  echo "Installing softhsm2…"; \
	  $(SUDO) apt-get install -y -q softhsm2 >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q softhsm2 >/dev/null; }; }

# Debian's chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@[ -x /usr/bin/chromium ] || { \
	  echo "Installing chromium…"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; }; }

# Debian's caddy (2.6) for the deployment's tests and the production rehearsal (deploy/Caddyfile).
caddy:
	@[ -x /usr/bin/caddy ] || { \
	  echo "Installing caddy…"; \
	  $(SUDO) apt-get install -y -q caddy >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q caddy >/dev/null; }; }

# axe-core for the accessibility check (tests/browser/test_accessibility_browser.py),
# pinned by package-lock.json; injected into pages by the test, never served to users.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installing npm…"; \
	  $(SUDO) apt-get install -y -q nodejs npm >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q nodejs npm >/dev/null; }; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed sysdeps
	DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py seed_demo_devices
	DEBUG=1 $(BIN)/python manage.py seed_demo_attendance
	DEBUG=1 $(BIN)/python manage.py seed_demo_transfers
	DEBUG=1 $(BIN)/python manage.py seed_demo_assessments
	DEBUG=1 $(BIN)/python manage.py seed_demo_evaluation
	DEBUG=1 $(BIN)/python manage.py seed_demo_signing
	@echo "Serving http://127.0.0.1:8000 — Ctrl-C stops everything."
	DEBUG=1 $(BIN)/python manage.py run_demo --port 8000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Each run's log lines (var/test-logs-*, every record as production formats it) are then
# searched for passwords, tokens, secret keys, answer keys, templates and citizen IDs.
# The SQLite and PostgreSQL runs go side by side (much of a run waits on browsers and
# servers, so two at once take little longer than one); each run's output is printed
# whole when it ends, and either failing fails `make test`.
test: $(VENV)/.installed-dev node_modules/.installed sysdeps browser caddy lint
	$(TEST_ENV) DATABASE_URL= $(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite: $(VENV)/.installed-dev
	@echo "== tests on SQLite =="
	rm -rf var/test-logs-sqlite
	$(TEST_ENV) DATABASE_URL= TEST_LOG_DIR=$(CURDIR)/var/test-logs-sqlite $(BIN)/pytest -q
	$(BIN)/python tests/check_logs.py var/test-logs-sqlite

test-postgresql: $(VENV)/.installed-dev
	@if [ -n "$$DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  echo "== tests on PostgreSQL =="; rm -rf var/test-logs-postgresql; \
	  $(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} TEST_LOG_DIR=$(CURDIR)/var/test-logs-postgresql $(BIN)/pytest -q && \
	  $(BIN)/python tests/check_logs.py var/test-logs-postgresql; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL run."; fi

bench: $(VENV)/.installed-dev sysdeps
	$(TEST_ENV) $(BIN)/python bench/run.py

# Schemathesis against the OpenAPI document of a live gunicorn (DEBUG off, demo data,
# PostgreSQL when reachable), as a commune HR officer; fixed seed, bounded examples.
# Fails on any 5xx or any answer outside the document (fuzz/run.py).
fuzz: $(VENV)/.installed-dev sysdeps
	$(BIN)/python fuzz/run.py

# The production rehearsal (deploy/rehearsal.py): PostgreSQL, two gunicorn instances from
# deploy/gunicorn.conf.py behind Caddy from deploy/Caddyfile (HTTPS, high ports), two
# pollers and the workers as plain processes; an ADMS push, ZK clocks, an exam sat in
# Chromium, a spoofed X-Forwarded-For; then a clean stop. Fails on any failed check.
rehearsal: $(VENV)/.installed-dev sysdeps browser caddy
	$(BIN)/python deploy/rehearsal.py

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3*
