# Two entry points (see README): `make demo` and `make test`. Both set everything up first: the venv, and
# the Debian packages their parts need where missing (libpulse0 for QtMultimedia; for the tests also
# nodejs, chromium and postgresql).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OUT := demo_out

.PHONY: setup qt-deps demo test test-fast bench clean tools postgres gpu-check

# Compiled here (only what changed): where PYTHONDONTWRITEBYTECODE is set, as on this CI machine, every
# otio-retake process (the tests start dozens) would otherwise compile the package from source again.
setup: $(VENV)/.installed
	$(BIN)/python -m compileall -q src > /dev/null

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,studio]'
	touch $@

# QtMultimedia (PySide6-Addons) loads the system libpulse.so.0 on Linux; install it where apt is there and it is not.
qt-deps:
	@if command -v apt-get >/dev/null && ! ldconfig -p | grep -q libpulse.so.0; then \
		apt-get update -qq && apt-get install -y -qq libpulse0; fi

# The team-mode tests start a real PostgreSQL server from Debian's package: installed here when missing (as root).
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	  else echo "PostgreSQL is missing: sudo apt-get install -y postgresql (the team-mode tests need it)"; fi

# The main job on every sample timeline with the offline preview engine.
demo: setup qt-deps
	$(BIN)/python sample_timelines/make_samples.py
	mkdir -p $(OUT)
	$(BIN)/otio-retake plan sample_timelines/retake_sample.otio
	$(BIN)/otio-retake run sample_timelines/retake_sample.otio -o $(OUT)/retake_sample.otio --workspace $(OUT)/otio.retake --force
	$(BIN)/otio-retake run sample_timelines/retake_sample.xml -o $(OUT)/retake_sample.xml --workspace $(OUT)/xml.retake --force
	$(BIN)/otio-retake run sample_timelines/retake_sample.edl --markers sample_timelines/retake_sample.markers.edl -o $(OUT)/retake_sample.edl --workspace $(OUT)/edl.retake --force
	$(BIN)/otio-retake run sample_timelines/retake_sample.otio -o $(OUT)/retake_sample.fcpxml --workspace $(OUT)/otio.retake --force
	$(BIN)/otio-retake conform $(OUT)/retake_sample.otio --pick-all A -o $(OUT)/retake_sample_final.otio --force
	$(BIN)/otio-retake studio $(OUT)/otio.retake --screenshot $(OUT)/studio.png
	@echo "demo outputs in $(OUT)/"

# Tests spread over every core (-n auto); the slowest are listed so each can be justified (docs/testing.md).
# Two pytest-xdist workers per core: the tests wait on emulated hosts, leases and subprocesses about as long as
# they compute, so one worker per core leaves the cores half idle. A file's tests stay on one worker
# (--dist loadfile), so a module's shared run is made once, not once per worker (docs/testing.md).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

test: setup tools qt-deps postgres
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

# The loop while working: the tests that start no process, server or browser and make no sample media
# (tests/conftest.py marks the others slow). No Debian packages needed.
test-fast: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slow" -q

# The Premiere panel's tests run `node --test` and Debian's chromium (driven by Playwright, never
# `playwright install`): install them when they are missing.
tools:
	@command -v node >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs)
	@test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

# Benchmarks print figures against a baseline measured in the same run (not timed tests).
bench: setup qt-deps postgres
	$(BIN)/python benchmarks/bench_cli_start.py
	$(BIN)/python benchmarks/bench_jobs.py
	$(BIN)/python benchmarks/bench_excerpt.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_bridge.py
	$(BIN)/python benchmarks/bench_studio.py
	$(BIN)/python benchmarks/bench_team.py

# On a machine with a CUDA GPU and the weights (README, "Local GPUs"): one real retake per local host.
gpu-check: setup
	$(BIN)/pip install -q -e '.[local]'
	$(BIN)/python benchmarks/gpu_check.py

clean:
	rm -rf $(OUT) sample_timelines/media sample_timelines/*.retake
