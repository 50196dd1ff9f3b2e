# simbias — `make demo` and `make test` bootstrap .venv on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg

.PHONY: demo test test-slow test-numerics bench lint-imports clean venv docs docs-serve docs-test

venv: $(STAMP)

# torch==2.13.0 first: a CPU wheel that installs from local disk.  An unpinned torch resolving
# during the project install would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[test,data,nufft,ray,slurm,xarray,tensorboard,mlflow,lightning]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/simbias run fprinciple-1d --out runs/demo
	@echo "open runs/demo/report.html"

test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# the floating-point-sensitive tests again under the kernels other CPU families use
test-numerics: $(STAMP)
	ATEN_CPU_CAPABILITY=default $(PY) -m pytest -m "numerics and not slow"
	ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 $(PY) -m pytest -m "numerics and not slow"

test-slow: $(STAMP)
	$(PY) -m pytest -m slow

bench: $(STAMP)
	$(PY) benchmarks/bench_fprinciple.py

# docs: the site (MkDocs Material, notebooks executed at build) into site/, warnings as errors.
# SIMBIAS_DOCS_SIZE=ci runs the gallery notebooks at tiny sizes (CI sets CI=true → ci).
DOCS_STAMP := $(VENV)/.docs-installed
SIMBIAS_DOCS_SIZE ?= $(if $(CI),ci,full)
export SIMBIAS_DOCS_SIZE

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PIP) install -q -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(VENV)/bin/mkdocs build --strict

docs-serve: $(DOCS_STAMP)
	$(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

# the browser check: builds the site unless SIMBIAS_SITE_DIR points at a built one
docs-test: $(DOCS_STAMP)
	$(PY) -m pytest -m docs tests/docs

clean:
	rm -rf $(VENV) runs .pytest_cache site site-screenshots
