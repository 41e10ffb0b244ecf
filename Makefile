# Two commands on a fresh machine: `make run` (set up and open the app) and `make test` (set up and test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages Qt's xcb/offscreen platforms need on a bare machine.
QT_DEBS := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3 \
	libglib2.0-0 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1 libxrender1 libxi6

.PHONY: run test test-all setup qt-deps lint bench screenshots

$(BIN)/litreview: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch that lies on this machine; a plain `torch` could pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0 || $(BIN)/pip install -q torch
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/litreview

qt-deps:
	@missing=$$(for p in $(QT_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "Qt needs these Debian packages: $$missing (sudo apt-get install them)"; fi; \
	fi

run: setup qt-deps
	$(BIN)/litreview gui

# pytest exits 5 when it collected no test: that is a failure of the suite, reported as such.
test: setup qt-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc = 5 ]; then echo "no tests were collected"; exit 1; fi; exit $$rc

test-all: setup qt-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m ''

lint: setup
	$(BIN)/ruff check litreview tests benchmarks scripts
