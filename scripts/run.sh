#!/usr/bin/env bash
# Set up (idempotent) and run the app on SQLite with demo accounts and scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python scripts/run.py "$@"
