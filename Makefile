# Two commands for a fresh Debian machine (as root):
#   make        install what `publish build` and `publish serve` need, build the sample book into build/
#   make test   install the checkers the tests use too, and run the test suite
# Each step installs only what is missing.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

# Debian packages the build (and publish serve) needs: the Noto CJK faces (Song/Hei) and
# Noto (Latin), Pango/HarfBuzz for WeasyPrint with HarfBuzz-subset (fast font subsetting),
# fontconfig, Noto Color Emoji (emoji in the PDF), and the diagram renderer: Mermaid's CLI
# (npm, tools/mermaid) drawing in Debian's Chromium; libgs-common: Ghostscript's CMYK
# profile (a custom output condition); icc-profiles-free and argyll: the characterisation
# data of FOGRA39/FOGRA29/GRACoL… and Argyll's colprof that makes their CMYK profiles, the
# PDF/X output conditions (publish/prepress/conditions.py); unicode-data: Unihan's stroke
# and radical counts, for an index in stroke or radical order (publish/apparatus/order.py).
APT_PACKAGES := fonts-noto-cjk fonts-noto-core fontconfig libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz0b libharfbuzz-subset0 fonts-noto-color-emoji chromium nodejs npm \
	libgs-common fonts-arphic-ukai unicode-data icc-profiles-free argyll
# Debian packages only the tests need (make test): Java for EPUBCheck, poppler-utils
# (pdftoppm), qpdf and pandoc for checks, GNU time (peak memory in the limit tests and
# benchmarks), zbarimg (reads the cover's ISBN barcode back), Ghostscript and MuPDF (the
# RIP-grade renderers that render and separate every print file, tests/test_rip.py),
# Calibre (its ebook-convert turns each EPUB profile into Kindle's AZW3 and back). Ace by
# DAISY and foliate-js (the reading system of tests/reading_system.py; npm: package.json)
# and the browser tests (Playwright) run in the Chromium above.
TEST_APT_PACKAGES := poppler-utils qpdf pandoc time default-jre-headless zbar-tools \
	ghostscript mupdf-tools calibre

.PHONY: all setup test-setup system test-system python test-python node mermaid book test \
	lint print-packages clean

all: book

setup: system python mermaid

# The checkers only the tests use.
test-setup: setup test-system test-python node

# The Debian packages `make` installs (a test reads them: no test-only checker among them).
print-packages:
	@echo $(APT_PACKAGES)

# Ace by DAISY; its postinstall scripts would download Electron and a browser (no network
# here): skipped, it runs in Debian's Chromium through Puppeteer.
node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Mermaid's CLI (mmdc) draws ```mermaid blocks; no browser download: it runs Debian's
# Chromium (tools/mermaid/puppeteer.json).
mermaid: tools/mermaid/node_modules/.installed

tools/mermaid/node_modules/.installed: tools/mermaid/package.json tools/mermaid/package-lock.json
	cd tools/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

system:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
		case $$pkg in \
			nodejs|npm) command -v npm >/dev/null && continue;; \
		esac; \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		fc-cache -f >/dev/null; \
	fi

test-system:
	@missing=""; \
	for pkg in $(TEST_APT_PACKAGES); do \
		case $$pkg in \
			default-jre-headless) command -v java >/dev/null && continue;; \
			nodejs|npm) command -v npm >/dev/null && continue;; \
		esac; \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	# Bytecode for publish itself, as pip makes for what it installs (an editable install
	# does not; without it every run compiles the modules it imports).
	$(PY) -m compileall -q publish
	touch $@

# The test tools (pytest, pdfplumber, EPUBCheck, Playwright: it drives Debian's Chromium,
# no browser is downloaded).
test-python: $(VENV)/.test-installed

$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

book: setup
	$(VENV)/bin/publish build manuscript --out build

test: test-setup
	$(VENV)/bin/pytest

lint: test-python
	$(VENV)/bin/ruff check publish tests benchmarks
	$(VENV)/bin/ruff format --check publish tests benchmarks

clean:
	rm -rf build $(VENV) node_modules tools/mermaid/node_modules
