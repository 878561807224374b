# One command per chore. `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Demo size: a tenth of Longnan by default; `make demo HOUSEHOLDS=600000` for the city.
HOUSEHOLDS ?= 60000
SEED ?= 2020
# The demo's web site: http://127.0.0.1:$(PORT)
PORT ?= 8000
export FANGFAN_HOME ?= $(CURDIR)/var

.PHONY: demo test lint bench bench-run bench-web bench-load bench-publish bench-publish-pg bench-assessment bench-cards install clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "需要 Python 3.11 或更高版本"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

# Generate, import, link, screen, publish, create the demo accounts, then serve the site with
# its background worker until Ctrl-C (fangfan demo --help).
demo: $(BIN)/.installed
	$(BIN)/fangfan demo --households $(HOUSEHOLDS) --seed $(SEED) --port $(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python -m bench

# The monthly job `fangfan run` on the city beside its raw-read floor, checked first
# (bench/bench_run.py). Generates the city once under bench/out/run-city unless given folders
# already generated: make bench-run RUN_CSV=/data/city/csv RUN_XLSX=/data/city/xlsx COUNTY_CSV=…
bench-run: $(BIN)/.installed
	$(BIN)/python -m bench.bench_run $(if $(RUN_CSV),--csv $(RUN_CSV)) $(if $(RUN_XLSX),--xlsx $(RUN_XLSX)) \
		$(if $(COUNTY_CSV),--county-csv $(COUNTY_CSV))

# Gansu at 3,000,000 households on one machine with the default engine: generate, `fangfan run`
# (time and peak memory per step), accuracy; stops the run past 20 GB (bench/bench_province.py).
# PROVINCE_ENGINE=spark then links and screens the run's snapshot on Spark local[2] too,
# PROVINCE_ENGINE=duckdb screens it on DuckDB.
# Heavy: run it alone, e.g. flock /tmp/city.lock make bench-province PROVINCE_OUT=/tmp/province/bench
.PHONY: bench-province
bench-province: $(BIN)/.installed
	$(BIN)/python -m bench.bench_province $(if $(PROVINCE_OUT),--out $(PROVINCE_OUT)) \
		$(if $(PROVINCE_HOUSEHOLDS),--households $(PROVINCE_HOUSEHOLDS)) \
		$(if $(PROVINCE_ENGINE),--engine $(PROVINCE_ENGINE))

# Page times with the city on PostgreSQL under 20 users (bench/bench_web.py; needs a local
# PostgreSQL, FANGFAN_BENCH_DATABASE_URL to use another). Builds the city on first use, then
# adds 20,000 rectification problems and 50,000 grievances (bench/web_ledger.py) unless there.
bench-web: $(BIN)/.installed
	$(BIN)/python -m bench.bench_web

# The sieve on Polars, DuckDB and Spark local[2] (bench/bench_engines.py, issue 19): county and
# city generated once under bench/out/engines, each engine's step times and peak memory (the
# JVM's included) after checking that all three wrote the same findings. Needs Java 17.
# ENGINE_EXPORTS=city=/work/city/csv,county=DIR imports exports already generated instead.
.PHONY: bench-engines
bench-engines: $(BIN)/.installed
	$(BIN)/python -m bench.bench_engines $(if $(ENGINE_SCALES),--scales $(ENGINE_SCALES)) \
		$(if $(ENGINE_EXPORTS),--exports $(ENGINE_EXPORTS))

# The office under load, writes included (bench/bench_load.py, issue 20): 50 users for 5 minutes
# on a COPY of bench-web's city (CREATE DATABASE fangfan_load TEMPLATE fangfan_bench; its home
# copied to /tmp/load/home), then every acknowledged write checked in the database.
bench-load: $(BIN)/.installed
	$(BIN)/python -m bench.bench_load --targets bench/out/web/targets.json

# How long a publish keeps the office waiting on SQLite (bench/bench_publish.py): prepares a
# 60,000-household run and its next month once under bench/out/publish-60000, publishes both.
bench-publish: $(BIN)/.installed
	$(BIN)/python -m bench.bench_publish

# Publishing the city into PostgreSQL (bench/bench_publish_pg.py, issue 14): an empty database,
# then the next month over it; wall, CPU, peak memory and the longest reader wait, each beside its target.
bench-publish-pg: $(BIN)/.installed
	$(BIN)/python -m bench.bench_publish_pg

# Assessment readiness (bench/bench_assessment.py, issue 16): the intervals' coverage over 1,000
# seeded samples per plan, then drawing and estimating the national sample of a 600,000-household
# city (ASSESS_SNAPSHOT=<snapshot folder> reads a real one).
bench-assessment: $(BIN)/.installed
	$(BIN)/python -m bench.bench_assessment $(if $(ASSESS_SNAPSHOT),--snapshot $(ASSESS_SNAPSHOT))

# Policy cards (bench/bench_cards.py, issue 17): the township nearest 3,000 households, cut out of
# the city-scale CSV export (CITY_CSV=<folder>; default bench/out/city/csv, else /work/city/csv),
# imported and linked, then `fangfan cards --township` measured against the 60 s target.
bench-cards: $(BIN)/.installed
	$(BIN)/python -m bench.bench_cards $(if $(CITY_CSV),--city-csv $(CITY_CSV))

clean:
	rm -rf $(VENV) var bench/out
