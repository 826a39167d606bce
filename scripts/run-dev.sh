#!/usr/bin/env bash
# `make run`: the background worker (PDFs, e-mails, bulk work) and the daily reminders beside
# the development server;
# stopping the server (Ctrl-C) stops the worker too.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1:8000}

"$PY" manage.py db_worker --interval 2 --no-reload &
worker=$!
"$PY" manage.py prepare_missing_pdfs --every 60 > /dev/null &
sweeper=$!
# The daily reminders and expiries (idempotent: a restart sends nothing twice).
"$PY" manage.py send_reminders --every 86400 > /dev/null &
scheduler=$!
trap 'kill "$worker" "$sweeper" "$scheduler" 2>/dev/null || true' EXIT INT TERM
DEBUG=${DEBUG:-true} "$PY" manage.py runserver "$HOST"
