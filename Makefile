# Two commands do all the set-up on a fresh clone:
#   make demo   -> creates .venv, installs linkage, runs the whole job on built-in synthetic data
#   make test   -> creates .venv, installs linkage with its test extras, runs the whole suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean browser notebook

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/linkage demo --children 2000 --out out/demo

# The review page's browser tests need Debian's chromium and chromium-driver: installed here
# when apt-get can (as root, or through sudo); otherwise those tests are skipped, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo -n ); \
	  $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq >/dev/null 2>&1 && \
	    $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } || \
	  echo "make: could not install chromium and chromium-driver; the browser tests will be skipped"; }

test: $(STAMP) browser
	$(PY) -m pytest -q -n auto

# The walkthrough notebook in JupyterLab (installs the notebook extra: jupyterlab, ipywidgets).
notebook: $(STAMP)
	$(PY) -m pip install --quiet -e ".[notebook]"
	$(VENV)/bin/jupyter lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) notebooks/walkthrough.ipynb

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_normalize.py
	$(PY) benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) out .pytest_cache
