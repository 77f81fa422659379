# Kesher: `make run` serves the demo on SQLite; `make test` runs every test tier.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace

.PHONY: run serve test install translations translations-update lint migrate seed clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d marketplace/translations -D messages --statistics

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

# Tracked links, QR codes and e-mails are built on the public address, never on the request's
# Host: on another PORT they pointed at :5000 unless told where the server is.
run: translations seed
	KESHER_PUBLIC_BASE_URL="$${KESHER_PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}" \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production server (gunicorn.conf.py; settings from KESHER_* variables, see docs/deploy.md).
serve: translations migrate
	$(BIN)/gunicorn -c gunicorn.conf.py "marketplace:create_app()"

test: translations
	scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy marketplace pricing campaigns

clean:
	rm -rf $(VENV) instance tests/artifacts .pytest_cache .mypy_cache .ruff_cache

translations-update: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _message --no-location --sort-output \
	  --project Kesher -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations \
	  --no-fuzzy-matching
