# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run setup test system-deps messages migrate lint ci clean bulk-demo check-deploy fuzz fuzz-verify a11y \
	fault-test bench bench-reseed schemathesis

# A throwaway PostgreSQL database for the bulk demo (never the embedded SQLite one).
BULK_DB ?= ssa_bulk_demo
BULK_URL := postgresql://postgres@127.0.0.1:5432/$(BULK_DB)
INSTALLATIONS ?= 2000

run: setup
	$(PY) manage.py seed_demo
	@echo "Portal on http://$(HOST)/ — log in with one of the users above."
	PY=$(PY) HOST=$(HOST) scripts/run-dev.sh

setup: system-deps $(VENV)/.installed node_modules/.installed messages migrate

system-deps:
	@scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

# `migrate` also makes the database cache's table (common/apps.py).
migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py create_signing_cert --if-missing
	$(PY) manage.py record_signing_certificate -v 0

test: system-deps $(VENV)/.installed node_modules/.installed messages
	$(PY) -m pytest $(PYTEST_ARGS)

# The production settings must pass Django's deployment checklist with nothing silenced.
check-deploy: $(VENV)/.installed
	SSA_ENV=production DEBUG=false ALLOWED_HOSTS=ssa.example.no \
	SSA_PUBLIC_BASE_URL=https://ssa.example.no SSA_DISTRIBUTOR_NAME="Nordic Unified AS" \
	SSA_DISTRIBUTOR_ADDRESS="Postboks 123 Sentrum, 0102 Oslo" \
	SSA_DISTRIBUTOR_ORG_NUMBER=923609016 SSA_DISTRIBUTOR_EMAIL=ssa@example.no \
	SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	$(PY) manage.py check --deploy --fail-level WARNING

# More fuzzing than CI runs (derandomized there); pick your own count.
FUZZ_EXAMPLES ?= 1000
fuzz: $(VENV)/.installed node_modules/.installed messages
	SSA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) HYPOTHESIS_PROFILE=dev $(PY) -m pytest tests/test_fuzz.py -q

# Damaged signed PDFs against /verify/: 5 × 400 in CI (derandomized); here 5 × VERIFY_FUZZ_EXAMPLES.
VERIFY_FUZZ_EXAMPLES ?= 2000
fuzz-verify: $(VENV)/.installed messages
	SSA_VERIFY_FUZZ_EXAMPLES=$(VERIFY_FUZZ_EXAMPLES) HYPOTHESIS_PROFILE=dev \
	$(PY) -m pytest tests/quotes/test_verification_fuzz.py -q

# More schemathesis requests against the API's schema than CI sends (13 per operation and user).
SCHEMATHESIS_EXAMPLES ?= 200
schemathesis: $(VENV)/.installed node_modules/.installed messages
	SSA_SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) $(PY) -m pytest tests/test_api_schemathesis.py -q -s

# axe-core over every page as every role that reaches it, at 1366×850 and 390×844, in bokmål and
# English (CI runs each page once: tests/test_accessibility.py).
a11y: $(VENV)/.installed node_modules/.installed messages
	SSA_A11Y_FULL=1 $(PY) -m pytest tests/test_accessibility.py -q -s

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

ci:
	bash .ci/run

# bench/bulk_demo.py: a renewal campaign for INSTALLATIONS installations, renewed by two workers and
# checked; the database is kept afterwards for a look at the offers (recreated on the next run).
bulk-demo: setup
	$(PY) scripts/pg_database.py recreate $(BULK_DB)
	DATABASE_URL=$(BULK_URL) $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL=$(BULK_URL) $(PY) -m bench.bulk_demo --installations $(INSTALLATIONS)

clean:
	rm -rf $(VENV) node_modules staticfiles

# Fault injection (as root, no Docker): a throwaway PostgreSQL 15 cluster on a free port,
# gunicorn, client threads issuing offers while PostgreSQL restarts; checks gapless numbering.
fault-test: $(VENV)/.installed
	$(PY) scripts/fault_test.py $(FAULT_ARGS)

# Benchmarks (docs/PERFORMANCE.md): one table. The pages run against a PostgreSQL database seeded
# once with `python -m bench.seed_bulk --customers $(BENCH_CUSTOMERS)` and kept for the next run
# (`make bench-reseed` starts it afresh). BENCH=pricing (or pages, http, pdf, bulk) runs a part.
BENCH_DB ?= ssa_bench
BENCH_URL := postgresql://postgres@127.0.0.1:5432/$(BENCH_DB)
BENCH_CUSTOMERS ?= 10000
bench: setup
	$(PY) scripts/pg_database.py ensure $(BENCH_DB)
	DATABASE_URL=$(BENCH_URL) $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.seed_bulk --customers $(BENCH_CUSTOMERS) --if-empty
	BENCH_DATABASE_URL=$(BENCH_URL) $(PY) -m bench.run $(BENCH)

bench-reseed: $(VENV)/.installed
	$(PY) scripts/pg_database.py drop $(BENCH_DB)
