# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs
# what it needs; nothing else is required but Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install demo test lint lab bench preview clean distclean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,semantic,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## code the example study and build every report into reports/
	$(BIN)/cjm reports --study interviews --out reports --jobs 2

test: $(STAMP)  ## the test suite (fast: end-to-end runs are few and small)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

lab: $(STAMP)  ## JupyterLab on the notebooks
	$(BIN)/python -m pip install --quiet -e '.[lab,dev,semantic]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)  ## benchmarks: ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

preview: demo  ## render every report to PNG pages in reports/preview/ (installs the tools if missing)
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui poppler-utils chromium) \
	  || (echo "install LibreOffice, poppler-utils and Chromium (Debian packages) and re-run"; exit 2)
	$(BIN)/python tools/preview.py reports

clean:  ## remove generated reports (keeps reports/.gitkeep)
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV)
