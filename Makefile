# avert: two commands set up a fresh machine.
#   make demo   creates .venv, installs avert, runs the demo on the synthetic city
#   make test   creates .venv, installs avert + test tools, runs lint, types and every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every test marker runs (PostgreSQL and browser included); -n 2 uses both cores;
# the 30 slowest tests are listed after the run (the suite's time budget is 20 minutes).
PYTEST_ARGS ?= -n 2 -q --durations=30
# The tests' stores and PostgreSQL server go to a memory file system (tmpfs, /dev/shm)
# when it has 8 GB free, in a folder of their own removed after the run. SQLite and
# PostgreSQL wait for the disk at every commit (fsync: 2-15 ms each on a shared disk),
# which no test is about; the crash tests kill a process, which tmpfs survives as a
# disk does. TEST_TMPFS=0 keeps them in the system's temporary folder.
TEST_TMPFS ?= 1
# avert's modules are compiled to bytecode first: where PYTHONDONTWRITEBYTECODE is set
# (as on CI machines) every process the tests start (the CLI in a subprocess, web
# workers, each xdist worker) would otherwise compile src/avert again, about 1 s of
# CPU each; the variable only stops writing, so each process reads these.
define run_pytest
	@$(BIN)/python -m compileall -q -j 0 src >/dev/null
	@shm=$$(df -k --output=fstype,avail /dev/shm 2>/dev/null | awk 'NR == 2 && $$1 == "tmpfs" && $$2 > 8000000 {print "/dev/shm"}'); \
	if [ -n "$$shm" ] && [ "$(TEST_TMPFS)" != 0 ]; then \
	  dir=$$(mktemp -d "$$shm/avert-test-XXXXXX") && mkdir "$$dir/tmp" || exit 1; \
	  trap 'rm -rf "$$dir"' EXIT; trap 'exit 130' INT TERM HUP; \
	  echo "test stores in $$dir (tmpfs; TEST_TMPFS=0 keeps them on disk)"; \
	  TMPDIR="$$dir/tmp" $(BIN)/pytest --basetemp="$$dir/pytest" $(1); \
	else \
	  $(BIN)/pytest $(1); \
	fi
endef

.PHONY: demo test test-fast lint install browser-deps bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/avert demo

# Debian's chromium renders the briefing in the browser tests (no browser download);
# WeasyPrint subsets fonts with HarfBuzz-Subset (it warns without it).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian chromium and libharfbuzz-subset0 for the browser and PDF tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libharfbuzz-subset0 >/dev/null; \
	  else \
	    echo "chromium or libharfbuzz-subset0 missing and not root: run 'sudo apt-get install chromium libharfbuzz-subset0' for the browser and PDF tests"; \
	  fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest rewrites each test module's asserts when it imports it (about 30 s of CPU for
# the suite, in each xdist worker); where PYTHONDONTWRITEBYTECODE is set (CI) nothing
# keeps the rewritten modules. One collection run beside the lint (mypy holds one core)
# writes them to tests/**/__pycache__, which the workers then read (pytest reads them
# whatever the variable says): each worker's collection 47 -> 18 s of CPU.
test: $(STAMP) browser-deps
	@env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest --collect-only -q -p no:cacheprovider >/dev/null 2>&1 & collect=$$!; \
	$(MAKE) --no-print-directory lint; status=$$?; wait $$collect; exit $$status
	$(call run_pytest,$(PYTEST_ARGS))

test-fast: $(STAMP)
	$(call run_pytest,-n 2 -q -m "not slow and not postgres and not browser and not shared")

docs: $(STAMP)
	$(BIN)/python -m avert.docs_gen

bench: $(STAMP)
	for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) avert-demo avert-demo.db .pytest_cache .mypy_cache .ruff_cache
