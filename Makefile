# Demand Desk: `make run` serves the embedded default, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := DEBUG=true

.PHONY: install messages run test lint format bench bench-smoke bench-render soak faults clean

$(STAMP): requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

install: $(STAMP) messages

# French translations: the .mo is built from locale/*/LC_MESSAGES/django.po, never committed. Without GNU
# gettext (msgfmt) the site still runs, in English only.
messages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var --verbosity=0; \
	else \
		echo "warning: msgfmt (GNU gettext) not found; pages stay in English. apt-get install gettext to add French."; \
	fi

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) EMAIL_URL=dummymail:// $(BIN)/python manage.py seed_demo
	@$(DEV_ENV) $(BIN)/python manage.py shell --verbosity 0 -c "from core.emails import email_destination; print('  E-mails of the server below:', email_destination())" 2>/dev/null
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The house rules, checked: style (ruff), types (mypy, strictness in pyproject.toml) and one-way imports
# between the stages (import-linter, contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs on DATABASE_URL / CELERY_BROKER_URL when set (CI: PostgreSQL and Redis); the tests
# marked `embedded` then run again on the embedded default (SQLite, eager Celery) that `make run` uses.
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings_test
	$(BIN)/pytest
	env -u DATABASE_URL -u CELERY_BROKER_URL $(BIN)/pytest -m embedded -p no:cacheprovider

# Benchmarks against PostgreSQL and Redis on this machine (a dedicated `demanddesk_bench` database).
# BENCH_SIZES=10000,100000 picks the sizes; QUICK=1 is a few minutes; SMOKE=1 a few seconds;
# BENCH_PGBOUNCER=1 puts the web processes and the worker behind PgBouncer in transaction pooling (docs/scaling.md).
bench: install
	$(BIN)/python bench/run.py

# What CI runs so the benchmarks never rot: tiny sizes, a few seconds of load, every scenario.
bench-smoke: install
	SMOKE=1 $(BIN)/python bench/run.py
	SMOKE=1 BENCH_PGBOUNCER=1 $(BIN)/python bench/run.py
	$(BIN)/python bench/render.py --runs 3
	$(BIN)/python bench/soak.py --seconds 10

# CPU time per request of the staff pages, in-process, against the bench database (`--seed N` to fill it first).
bench-render: install
	$(BIN)/python bench/render.py

# Only the rescore scenario (bench/rescore.py): BENCH_SIZE=1000000, RESCORE_PROCESSES=1,2, BENCH_REUSE=1.
.PHONY: bench-rescore
bench-rescore: install
	$(BIN)/python bench/rescore.py

# Five minutes of customers submitting, staff reading and API clients polling; then the books are checked.
soak: install
	$(BIN)/python bench/soak.py --seconds 300

# Faults injected while customers file through the real form (Redis stopped and hung, the worker killed, PostgreSQL
# restarted, stopped and frozen, a gunicorn worker killed), each ending with the books as a table, against a private
# PostgreSQL cluster and redis-server started for the run (needs the PostgreSQL server binaries and redis-server;
# never touches DATABASE_URL or CELERY_BROKER_URL). A few minutes. docs/operations.md, "Faults and what happens".
faults: install
	$(BIN)/python scripts/faults.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
