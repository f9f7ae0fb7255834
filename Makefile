# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs
# what it needs; nothing else is required but Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install demo test lint lab lab-flags bench preview clean distclean

# JupyterLab at the repository root, so that the notebooks' default paths (../interviews) and the
# reports resolve in the file browser; the jupytext sources (*.pct.py) are hidden, since jupytext's
# contents manager keeps them in step with the .ipynb files. Offline: no news or update checks.
# Root needs --allow-root (containers).
LAB_FLAGS := --ServerApp.root_dir=$(CURDIR) \
  $(foreach glob,__pycache__ *.pyc *.pyo .DS_Store *~ *.pct.py,'--ContentsManager.hide_globs=$(glob)') \
  --LabApp.default_url=/lab/tree/notebooks/journey_report.ipynb \
  $(if $(filter 0,$(shell id -u)),--allow-root)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,semantic,dask,lab]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## code the example study and build every report into reports/
	$(BIN)/cjm reports --study interviews --out reports --jobs 2

test: $(STAMP)  ## the test suite (fast: end-to-end runs are few and small)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

$(LAB_SETTINGS): $(STAMP)  # offline: never fetch Jupyter news or check for updates, never ask
	mkdir -p $(@D)
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

lab: demo $(LAB_SETTINGS)  ## JupyterLab on the notebooks, the example study and its reports
	$(BIN)/jupyter lab $(LAB_FLAGS)

lab-flags:  ## what `make lab` passes to jupyter lab (the lab test starts it the same way)
	@echo $(LAB_FLAGS)

bench: $(STAMP)  ## benchmarks: ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

preview: demo  ## every report and a review sheet as PNG pages in reports/preview/ (installs the tools if missing)
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null \
	  && (command -v localc >/dev/null || dpkg -s libreoffice-calc-nogui >/dev/null 2>&1) \
	  || (apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui \
	      libreoffice-calc-nogui poppler-utils chromium) \
	  || (echo "install LibreOffice (Writer, Calc), poppler-utils and Chromium and re-run"; exit 2)
	mkdir -p interviews/.cjm/preview
	$(BIN)/cjm review export interviews/.cjm/preview/review-sheet.xlsx --study interviews --next 40
	$(BIN)/python tools/preview.py reports interviews/.cjm/preview/review-sheet.xlsx

clean:  ## remove generated reports (keeps reports/.gitkeep)
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV)
