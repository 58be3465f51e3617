# Every target bootstraps .venv itself: a fresh clone needs only python3 (3.11) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean-data serve screenshot

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing tradewire into $(VENV) (pinned by requirements.lock)..."
	@$(BIN)/python -m pip install --disable-pip-version-check -c requirements.lock -e '.[dev]' \
		> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; echo "pip install failed (log: $(VENV)/install.log)"; exit 1; }
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/tradewire ingest

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

serve: $(STAMP)
	$(BIN)/python -m flows.serve

screenshot: $(STAMP)
	scripts/screenshot.sh

clean-data:
	rm -rf data/
