# make install: set up .venv, front-end packages and catalogs. make run: serve with demo data.
# make test: set up, then run the whole suite (TEST_DATABASE_URL=postgresql://... for PostgreSQL).
# make bench: wrk against a hello route, demo and large size (BENCH_ARGS="--postgres", ...).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: install run test fuzz bench lint format translations catalogs clean

install: $(VENV)/.installed static/vendor/.installed catalogs

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Front-end files come from npm; only these copies are served (never committed, never a CDN).
# axe-core (a devDependency) stays in node_modules: the browser tests inject it from there.
static/vendor/.installed: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.jade.min.css static/vendor/pico.min.css
	touch $@

# Each catalog is compiled when its .po changed (a file target, so that two `make test` runs
# side by side, as in .ci/run, never write a .mo while the other reads it).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))
catalogs: $(CATALOGS)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations -l $*

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $${PORT:-5000}

test: install
	$(BIN)/pytest

# The full data-following fuzz (tests/test_fuzz_files.py): 10,000 hostile values; `make test`
# runs its short profile. Prints the values tried, requests, downloads per role and problems.
fuzz: install
	FUZZ_VALUES=$${FUZZ_VALUES:-10000} $(BIN)/pytest tests/test_fuzz_files.py -q -s -p no:cacheprovider

# Every main page as a share of a hello route, with wrk (never in CI; see README, Performance).
bench: install
	$(BIN)/python bench/wrk_bench.py $(BENCH_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract every user-facing string and merge it into the catalogs; then translate in the .po files.
translations:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o app/translations/messages.pot .
	$(BIN)/pybabel update -N -i app/translations/messages.pot -d app/translations
	$(BIN)/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) node_modules static/vendor
