# otcsms: `make demo` runs the product, `make test` runs the whole suite. Both work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://root@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres lint format lock bench clean run-deps system-deps

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP) run-deps
	$(BIN)/otcsms demo

# System packages come from Debian, the same way on every machine: graphviz (its `dot` lays out the zone
# diagram) and Pango (WeasyPrint renders the PDF reports with it) to run otcsms, chromium too for the browser
# tests. Only what is missing is installed, quietly. An entry is command:package, or library.so.N:package.
RUN_DEPS := dot:graphviz libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0
# LibreOffice (Writer, no GUI) opens one DOCX report in the tests, as an independent reader: 58 packages, 283 MB,
# 39 s to install here (docs/benchmarks.md).
# slapd (OpenLDAP, in /usr/sbin: on root's PATH) is the directory the directory sign-in tests start on 127.0.0.1.
TEST_DEPS := $(RUN_DEPS) chromium:chromium soffice:libreoffice-writer-nogui slapd:slapd ldapsearch:ldap-utils

# $(call debian-packages,command:package ...)
define debian-packages
@missing=; for dep in $(1); do \
  case "$${dep%%:*}" in \
    *.so.*) /sbin/ldconfig -p 2>/dev/null | grep -q "$${dep%%:*} " ;; \
    *) command -v "$${dep%%:*}" >/dev/null 2>&1 ;; \
  esac || missing="$$missing $${dep#*:}"; done; \
if [ -n "$$missing" ]; then \
  echo "installing Debian packages:$$missing"; \
  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
fi
endef

run-deps:
	$(call debian-packages,$(RUN_DEPS))

system-deps:
	$(call debian-packages,$(TEST_DEPS))

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	@# The suite starts `otcsms` as a process a few hundred times: compiled once here, each start skips
	@# compiling otcsms's own modules (machines with PYTHONDONTWRITEBYTECODE set never cache them otherwise).
	$(BIN)/python -m compileall -q src
	$(BIN)/python scripts/run_tests.py

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --no-emit-index-url --no-emit-find-links --strip-extras --extra dev --output-file requirements.lock pyproject.toml

bench: $(STAMP)
	for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) otcsms-data .pytest_cache
