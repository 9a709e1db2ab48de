# Two entry points (see README): `make demo` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OUT := demo_out

.PHONY: setup demo test bench clean postgres

setup: $(VENV)/.installed postgres

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The team-mode tests start a real PostgreSQL server from Debian's package: installed here when missing (as root).
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	  else echo "PostgreSQL is missing: sudo apt-get install -y postgresql (the team-mode tests need it)"; fi

# The main job on every sample timeline with the offline preview engine.
demo: setup
	$(BIN)/python sample_timelines/make_samples.py
	mkdir -p $(OUT)
	$(BIN)/otio-retake plan sample_timelines/retake_sample.otio
	$(BIN)/otio-retake run sample_timelines/retake_sample.otio -o $(OUT)/retake_sample.otio --workspace $(OUT)/otio.retake --force
	$(BIN)/otio-retake run sample_timelines/retake_sample.xml -o $(OUT)/retake_sample.xml --workspace $(OUT)/xml.retake --force
	$(BIN)/otio-retake run sample_timelines/retake_sample.edl --markers sample_timelines/retake_sample.markers.edl -o $(OUT)/retake_sample.edl --workspace $(OUT)/edl.retake --force
	$(BIN)/otio-retake run sample_timelines/retake_sample.otio -o $(OUT)/retake_sample.fcpxml --workspace $(OUT)/otio.retake --force
	$(BIN)/otio-retake conform $(OUT)/retake_sample.otio --pick-all A -o $(OUT)/retake_sample_final.otio --force
	@echo "demo outputs in $(OUT)/"

test: setup
	$(BIN)/python -m pytest

# Benchmarks print figures against a baseline measured in the same run (not timed tests).
bench: setup
	$(BIN)/python benchmarks/bench_jobs.py
	$(BIN)/python benchmarks/bench_excerpt.py
	$(BIN)/python benchmarks/bench_team.py

clean:
	rm -rf $(OUT) sample_timelines/media sample_timelines/*.retake
