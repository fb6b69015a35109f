# Two commands for a fresh Debian machine (as root):
#   make        set everything up and build the sample book into build/
#   make test   run the test suite
# Each step installs only what is missing.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

# Debian packages the build and the tests need: the Noto CJK faces (Song/Hei) and Noto
# (Latin), Pango/HarfBuzz for WeasyPrint with HarfBuzz-subset (fast font subsetting),
# fontconfig, Java for EPUBCheck, poppler-utils (pdftoppm), qpdf and pandoc for checks,
# Chromium for Ace by DAISY (the EPUB accessibility checker, from npm: package.json),
# GNU time (peak memory in the limit tests and benchmarks).
APT_PACKAGES := fonts-noto-cjk fonts-noto-core fontconfig libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz0b libharfbuzz-subset0 poppler-utils qpdf pandoc chromium time \
	fonts-arphic-ukai

.PHONY: all setup system python node book test lint clean

all: book

setup: system python node

# Ace by DAISY; its postinstall scripts would download Electron and a browser (no network
# here): skipped, it runs in Debian's Chromium through Puppeteer.
node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

system:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		fc-cache -f >/dev/null; \
	fi

python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# Bytecode for publish itself, as pip makes for what it installs (an editable install
	# does not; without it every run compiles the modules it imports).
	$(PY) -m compileall -q publish
	touch $@

book: setup
	$(VENV)/bin/publish build manuscript --out build

test: setup
	$(VENV)/bin/pytest

lint: python
	$(VENV)/bin/ruff check publish tests benchmarks
	$(VENV)/bin/ruff format --check publish tests benchmarks

clean:
	rm -rf build $(VENV) node_modules
