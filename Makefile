# Portico: `make demo` serves the demo portal, `make test` runs every check.
SHELL := /bin/bash
PORT ?= 8000
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-dejavu-core python3-venv
export UV_LINK_MODE ?= copy
# Installed packages are compiled once, at install: where PYTHONDONTWRITEBYTECODE
# is set, Python would otherwise compile Django and Wagtail at every start.
export UV_COMPILE_BYTECODE ?= 1

.PHONY: demo test install system-deps lint format bench bench-parent bench-rush \
	bench-statements bench-aging clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

# System libraries for WeasyPrint and the browser tests (installed when root).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		echo "Installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "Missing system packages (run as root or install them):$$missing"; \
	fi

install: $(UV)
	$(UV) sync --frozen --quiet

# One command: migrate when needed, seed when needed, then the web server and
# the background worker side by side; the logins print once the portal
# answers, and Ctrl-C stops both (portal/demo/management/commands/demo.py).
demo: install
	@$(UV) run --no-sync python -m compileall -q cms pages portal snippets
	$(UV) run --no-sync python manage.py demo --port $(PORT)

test: system-deps install
	$(UV) run ruff format --check .
	$(UV) run ruff check .
	$(UV) run python manage.py makemigrations --check --dry-run --settings=cms.settings.test
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(UV) run pytest -n auto --dist loadgroup

bench: install
	$(UV) run python bench/booking.py

# Cart, checkout and My Account > Payments for a logged-in parent.
bench-parent: install
	$(UV) run python bench/parent_pages.py

# Registration rush over HTTP: gunicorn (2 workers) on the local PostgreSQL,
# in a database of its own (portico_bench, dropped and recreated).
bench-rush: install
	$(UV) run python bench/rush.py

# One statement laid out warm, then a batch of 1,000 families' statements
# merged into one PDF (BENCH_FAMILIES to change the number).
bench-statements: install
	$(UV) run python bench/statements.py

# The aging report over 20,000 families (BENCH_AGING_FAMILIES to change it).
bench-aging: install
	$(UV) run python bench/aging.py

lint: install
	$(UV) run ruff format --check . && $(UV) run ruff check .

format: install
	$(UV) run ruff format . && $(UV) run ruff check --fix .

clean:
	rm -rf .tools .venv .pytest_cache .ruff_cache .test-media staticfiles
