# The two commands a newcomer needs: `make run` and `make test` (README.md explains both).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2
export UV_PYTHON_DOWNLOADS := never
# Runs a command against DATABASE_URL, or against the embedded PostgreSQL when none is set.
WITH_DATABASE := $(BIN)/python -m smarketing.embedded_db

.PHONY: install requirements run test bench loadtest messages clean

MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	@test -x $(BIN)/python || $(PYTHON) -m uv venv --quiet $(VENV)
	@$(PYTHON) -m uv pip sync --quiet --python $(BIN)/python requirements-dev.txt
	@touch $@

%.mo: %.po
	@msgfmt --check -o $@ $<

# The browser libraries of package.json (SortableJS for the board, Chart.js for the dashboard),
# served as static files. .npmrc turns off package-lock.json: package.json pins exact versions.
node_modules/.installed: package.json .npmrc
	@npm install --no-audit --no-fund --silent
	@touch $@

install: $(BIN)/.installed $(MESSAGES) node_modules/.installed

# Re-pins every dependency after a change to pyproject.toml.
requirements:
	$(PYTHON) -m uv pip compile --quiet pyproject.toml -o requirements.txt
	$(PYTHON) -m uv pip compile --quiet pyproject.toml --extra dev -c requirements.txt -o requirements-dev.txt

.data/secret_key:
	@mkdir -p .data
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(64))" > $@

# The product on this machine over plain HTTP, with demo data, web, worker and beat.
run: install .data/secret_key
	@SECRET_KEY="$${SECRET_KEY:-$$(cat .data/secret_key)}" HTTPS="$${HTTPS:-false}" \
	  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}" \
	  $(WITH_DATABASE) $(BIN)/python manage.py run_demo

# For tools that load the settings but never connect (mypy's Django plugin, makemessages).
OFFLINE_SETTINGS := DEBUG=true DATABASE_URL="$${DATABASE_URL:-postgres://localhost/offline}"

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(OFFLINE_SETTINGS) $(BIN)/mypy .
	$(WITH_DATABASE) env DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-logo
	$(WITH_DATABASE) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The lead list's timings on a big database (DATABASE_URL, e.g. one filled by
# `manage.py seed_demo --leads 1000000`); BENCH_ARGS="--repeat 50" for more requests per case.
# The pages are served as in production, so their static files need the manifest.
bench: install .data/secret_key
	@$(BIN)/python manage.py collectstatic --noinput -v0
	@SECRET_KEY="$${SECRET_KEY:-$$(cat .data/secret_key)}" HTTPS="$${HTTPS:-false}" \
	  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}" \
	  $(WITH_DATABASE) $(BIN)/python manage.py bench $(BENCH_ARGS)

# The capacity under a team's mix of work, against gunicorn and a worker (see README).
loadtest: install .data/secret_key
	@$(BIN)/python manage.py collectstatic --noinput -v0
	@SECRET_KEY="$${SECRET_KEY:-$$(cat .data/secret_key)}" \
	  $(WITH_DATABASE) $(BIN)/python manage.py loadtest $(LOADTEST_ARGS)

messages: install
	$(OFFLINE_SETTINGS) $(BIN)/python manage.py makemessages --locale es --ignore '.venv' --ignore 'staticfiles' \
	  --no-obsolete --no-location

clean:
	rm -rf $(VENV) staticfiles node_modules
