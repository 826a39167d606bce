#!/usr/bin/env bash
# `make run`: the background worker (PDF retries, bulk work) beside the development server;
# stopping the server (Ctrl-C) stops the worker too.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1:8000}

"$PY" manage.py db_worker --interval 2 --no-reload &
worker=$!
"$PY" manage.py prepare_missing_pdfs --every 60 > /dev/null &
sweeper=$!
trap 'kill "$worker" "$sweeper" 2>/dev/null || true' EXIT INT TERM
DEBUG=${DEBUG:-true} "$PY" manage.py runserver "$HOST"
