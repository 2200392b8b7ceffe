# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The test suite runs with DEBUG on (pytest-django switches it off per test). `make run` runs
# as users see the portal: DEBUG off (Dutch error pages), a generated local key, plain http on
# 127.0.0.1 (HTTPS=0: no redirect to https, no HSTS, no Secure cookies), static files collected
# and served by WhiteNoise.
DEV_ENV := DEBUG=1
RUN_ENV = DEBUG=0 HTTPS=0 ALLOWED_HOSTS=127.0.0.1,localhost SECRET_KEY="$$(cat .secret-key)" \
	CLIENT_PSEUDONYM_KEY="$$(cat .client-key)"
# WeasyPrint needs Pango; with libharfbuzz-subset0 it embeds font subsets ~2x faster.
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
PYTEST_ARGS ?=

.PHONY: run test bench loadtest backup restore setup setup-test system-deps lint messages clean

run: setup .secret-key .client-key
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(RUN_ENV) $(BIN)/python manage.py load_demo --allow-demo-users
	@echo ""
	@echo "The portal: http://127.0.0.1:8000  (stop with Ctrl+C)"
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# A random key for this machine's local portal, kept so sessions survive a restart.
.secret-key:
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

# The secret of the clients' pseudonyms (README: "Clients without identity"), generated once.
# Never in the database or a backup: keep it as you keep .secret-key; lost, it cannot be recovered.
.client-key:
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	@chmod 600 $@

test: setup-test
	$(DEV_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Speed, not correctness: PostgreSQL with 200,000 invoices, gunicorn and wrk on 127.0.0.1.
# Writes docs/benchmarks.md. Takes a few minutes. BENCH_ARGS="--reuse" keeps the filled databases.
bench: setup-test
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || \
	  { echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# A realistic mix of 59 users (40 staff, 5 board, 14 contacts) with locust for 60 s against gunicorn
# on the same PostgreSQL database (filled when missing; LOAD_ARGS="--refill" fills it again).
# Fails on any error or if a registered invoice is lost. Writes docs/benchmarks.md.
LOAD_ARGS ?=
loadtest: $(VENV)/.installed-load system-deps
	$(BIN)/python bench/loadtest.py $(LOAD_ARGS)

# The database (pg_dump -Fc, or SQLite's online backup) and the private uploads with a manifest of
# row counts and sums, in backups/portal-backup-<UTC time>.tar.gz. Safe while the portal runs.
# Uses the environment's DATABASE_URL and PRIVATE_MEDIA_ROOT, as the portal does.
MANAGE_ENV = SECRET_KEY="$${SECRET_KEY:-$$(cat .secret-key)}"
backup: setup .secret-key
	$(MANAGE_ENV) $(BIN)/python manage.py backup

# Replaces ALL data and uploads with a backup's, then checks them against its manifest.
# Asks for confirmation; CONFIRM=1 skips the question (CI, scripts).
restore:
	@[ -n "$(FILE)" ] || { echo "Which backup? make restore FILE=backups/portal-backup-....tar.gz [CONFIRM=1]"; exit 2; }
	@$(MAKE) --no-print-directory setup .secret-key
	$(MANAGE_ENV) $(BIN)/python manage.py restore "$(FILE)" $(if $(filter 1 yes true,$(CONFIRM)),--yes,)

setup: $(VENV)/.installed system-deps
setup-test: $(VENV)/.installed-test system-deps

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

$(VENV)/.installed-load: requirements-load.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-load.txt
	touch $@

# As root on a Debian-family system the missing packages are installed; otherwise a hint.
system-deps:
	@missing=""; \
	if command -v dpkg >/dev/null 2>&1; then \
	  for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing for WeasyPrint:$$missing"; \
	    (apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)) || exit 1; \
	  elif [ -n "$$missing" ]; then \
	    echo "Hint: PDF generation needs these Debian packages:$$missing"; \
	    echo "      sudo apt-get install$$missing"; \
	  fi; \
	elif ! (ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset); then \
	  echo "Hint: install Pango and HarfBuzz (with libharfbuzz-subset) for fast PDF generation."; \
	fi

lint: setup-test
	$(BIN)/ruff check .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# Regenerate the Dutch catalogue after changing texts (needs GNU gettext), then translate
# the new entries in locale/nl/LC_MESSAGES/django.po and compile.
messages: setup
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l nl --no-obsolete --no-location -i ".venv/*" -i "tests/*"
	$(DEV_ENV) $(BIN)/python manage.py compilemessages -l nl -i .venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
