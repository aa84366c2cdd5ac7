#!/usr/bin/env bash
# make test: lint, types, migrations check, pytest on SQLite and on PostgreSQL, browser tests.
# Installs (apt) and starts what it needs, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh test
scripts/bootstrap-venv.sh requirements-dev.txt
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.test
step() { printf '\n== %s\n' "$*"; }
PGDIR=""
cleanup() { if [ -n "$PGDIR" ]; then scripts/pg-cluster.sh stop "$PGDIR"; fi; }
trap cleanup EXIT

step "lint (ruff)"
$PY -m ruff check .
$PY -m ruff format --check .
step "types (mypy + django-stubs)"
$PY -m mypy .
step "migrations are up to date"
$PY manage.py makemigrations --check --dry-run
step "translations"
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then $PY manage.py compilemessages --ignore=.venv --ignore=var -v0; fi

step "pytest on SQLite"
$PY -m pytest -n 2 -m "not browser" -q

step "pytest on PostgreSQL 15 (throw-away cluster)"
PGDIR=$(mktemp -d /tmp/licheng-pg.XXXXXX)
( eval "$(scripts/pg-cluster.sh start "$PGDIR")"; $PY -m pytest -n 2 -m "not browser" -q )
scripts/pg-cluster.sh stop "$PGDIR"; PGDIR=""

step "browser tests (Debian chromium, headless)"
$PY -m pytest -m browser -q -p no:xdist
