# Two commands matter: `make run` and `make test`. Each target wraps plain commands you can run by hand.
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install run test test-fast lint typecheck bench clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

# Web, Celery worker and beat on embedded PostgreSQL + Redis under .data/ (unless DATABASE_URL / REDIS_URL are set).
run: install
	DJANGO_DEBUG=1 $(PY) -m devserver run

# The whole suite; pass extra pytest arguments with ARGS="-k planner".
test: install
	$(PY) -m devserver test $(ARGS)

# Everything but the slow lane (browsers, workers, mail servers, fuzz, corpus, bench): for the edit-test loop.
test-fast: install
	$(PY) -m devserver test -m "not slow" $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy over the apps, held to mypy-baseline.json (a file may only lose errors); ARGS=--update records a lower count.
typecheck: install
	$(PY) -m devserver.typecheck $(ARGS)

bench: install
	$(PY) -m devserver exec -- $(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) .data staticfiles .pytest_cache .ruff_cache
