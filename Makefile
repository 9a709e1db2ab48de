# Two entry points (see README): `make demo` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OUT := demo_out

.PHONY: setup demo test bench clean tools

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

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

# Tests spread over every core (-n auto); the slowest are listed so each can be justified (docs/testing.md).
test: setup tools
	$(BIN)/python -m pytest -n auto --durations=15

# The Premiere panel's tests run `node --test` and Debian's chromium (driven by Playwright, never
# `playwright install`): install them when they are missing.
tools:
	@command -v node >/dev/null || (apt-get update && apt-get install -y nodejs)
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

# Benchmarks print figures against a baseline measured in the same run (not timed tests).
bench: setup
	$(BIN)/python benchmarks/bench_jobs.py
	$(BIN)/python benchmarks/bench_excerpt.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_bridge.py

clean:
	rm -rf $(OUT) sample_timelines/media sample_timelines/*.retake
