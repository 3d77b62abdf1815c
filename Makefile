# Portico: `make demo` serves the demo portal, `make test` runs every check.
SHELL := /bin/bash
PORT ?= 8000
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-dejavu-core python3-venv
export UV_LINK_MODE ?= copy

.PHONY: demo test install system-deps lint format bench clean

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

demo: install
	$(UV) run python manage.py migrate --noinput -v0
	$(UV) run python manage.py seed_demo
	@echo ""
	@echo "  Portico demo: http://127.0.0.1:$(PORT)/portal/demo/"
	@echo "  Parent login: parent@example.com / portico-demo"
	@echo "  Staff admin:  http://127.0.0.1:$(PORT)/admin/  admin@example.com / portico-admin"
	@echo ""
	$(UV) run python manage.py runserver 127.0.0.1:$(PORT)

test: system-deps install
	$(UV) run ruff format --check .
	$(UV) run ruff check .
	$(UV) run python manage.py makemigrations --check --dry-run --settings=cms.settings.test
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(UV) run pytest

bench: install
	$(UV) run python bench/booking.py

lint: install
	$(UV) run ruff format --check . && $(UV) run ruff check .

format: install
	$(UV) run ruff format . && $(UV) run ruff check --fix .

clean:
	rm -rf .tools .venv .pytest_cache .ruff_cache .test-media staticfiles
