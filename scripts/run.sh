#!/usr/bin/env bash
# make run: the product on the embedded set-up (SQLite in var/, files in var/media, one worker).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh run
scripts/bootstrap-venv.sh requirements.txt
PY=.venv/bin/python
mkdir -p var
[ -s var/secret_key ] || $PY -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
export LICHENG_SECRET_KEY="$(cat var/secret_key)"
export DJANGO_SETTINGS_MODULE=config.settings.base
export LICHENG_ALLOWED_HOSTS="${LICHENG_ALLOWED_HOSTS:-127.0.0.1,localhost}"
HOST=${LICHENG_HOST:-127.0.0.1}; PORT=${LICHENG_PORT:-8000}

$PY manage.py migrate --noinput -v0
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then $PY manage.py compilemessages --ignore=.venv --ignore=var -v0; fi
$PY manage.py collectstatic --noinput -v0
if [ ! -f var/.demo-loaded ]; then
  echo "Loading the demo school (first run)…"
  $PY manage.py load_demo_school >/dev/null
  touch var/.demo-loaded
fi
# The demo server also plays the central database: register the demo school with the token
# the school side delivers with (LICHENG_CENTRAL_TOKEN), idempotently.
export LICHENG_CENTRAL_URL="${LICHENG_CENTRAL_URL:-http://$HOST:$PORT/api/central/v1}"
$PY manage.py central_demo_setup >/dev/null
# Builds or deliveries interrupted by a stop (or a worker that died) are queued again: once
# now, then every 5 minutes beside the worker.
$PY manage.py resume_submissions

$PY manage.py db_worker >var/worker.log 2>&1 &
worker=$!
$PY manage.py resume_submissions --every 300 >>var/worker.log 2>&1 &
resumer=$!
trap 'kill $worker $resumer 2>/dev/null || true' EXIT INT TERM

echo
echo "Licheng is running at http://$HOST:$PORT/  (Ctrl-C stops it; the task worker logs to var/worker.log)"
$PY manage.py print_demo_logins
echo
.venv/bin/gunicorn config.wsgi --bind "$HOST:$PORT" --workers 3 --threads 4 \
  --worker-class gthread --access-logfile - --error-logfile - --log-level warning
