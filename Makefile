# Tsunagu: `make run` serves the demo city, `make test` runs the whole suite (contracts §5).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app portal
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

export FLASK_SKIP_DOTENV ?= 0

.DEFAULT_GOAL := help
.PHONY: help install catalogs run test lint format i18n i18n-check reindex seed bench serve audit clean

help: ## show this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) ## create the virtual environment and install the portal with its test tools

catalogs: $(STAMP)
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel -q compile -d translations; fi

run: catalogs ## set everything up and serve the demo city at http://127.0.0.1:5000/
	$(FLASK) db upgrade
	$(FLASK) seed-demo-if-empty
	@echo "Tsunagu is at http://127.0.0.1:5000/"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: catalogs ## set everything up and run the whole test suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## ruff format and autofix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Catalog names (ja-easy is `ja@easy`: Babel would read `ja-easy` as `ja`); see portal/i18n.py LOCALES.
I18N_LOCALES := ja ja@easy en pt_BR vi zh_Hans fil ko ne es id

i18n: $(STAMP) ## extract, update and compile the message catalogs (then: scripts/i18n_todo.py)
	$(BIN)/pybabel extract -F babel.cfg -k _l -c "Translators:" --project Tsunagu -o translations/messages.pot .
	@for loc in $(I18N_LOCALES); do \
	  test -f translations/$$loc/LC_MESSAGES/messages.po || \
	  $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$loc || exit 1; done
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

i18n-check: $(STAMP) ## list untranslated, fuzzy or mismatched messages and template text outside _()
	$(BIN)/python -m portal.i18n_check

reindex: $(STAMP) ## rebuild the search index from the database
	$(FLASK) reindex

seed: $(STAMP) ## load (or refresh) the fictional demo city
	$(FLASK) db upgrade
	$(FLASK) seed-demo

bench: $(STAMP) ## run the benchmarks in bench/ (each prints its figures beside a baseline)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

audit: $(STAMP) ## supply chain: bandit on portal/, pip-audit on the installed dependencies
	BIN=$(BIN) .ci/audit

serve: catalogs ## production: migrate, then gunicorn (PORTAL_DATABASE_URL, PORTAL_REDIS_URL, PORTAL_SECRET_KEY)
	$(FLASK) db upgrade
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py portal.wsgi:app

clean: ## remove the virtual environment, the local database and the search index
	rm -rf $(VENV) instance search_index/*
