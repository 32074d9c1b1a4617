#!/usr/bin/env python
"""Run the app on its embedded defaults: SQLite, demo accounts, demo calls; prints the address.

    .venv/bin/python scripts/run.py [--host 127.0.0.1] [--port 5000] [--no-demo]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from web import create_app  # noqa: E402
from web.config import Config, instance_secret  # noqa: E402
from web.demo import credentials_banner, seed_demo  # noqa: E402
from web.setup_db import init_db  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--no-demo", action="store_true", help="no demo accounts or calls")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app()
    if app.config["SECRET_KEY"] == Config.SECRET_KEY:  # no HOTLINE_SECRET_KEY: never run on the public default
        app.config["SECRET_KEY"] = instance_secret()
    init_db(app)
    with app.app_context():
        from web.engines import engines
        started = time.perf_counter()
        engines().warm()
        logging.info("engines warm in %.1f s", time.perf_counter() - started)
    if not args.no_demo and app.config.get("DEMO_DATA", True):
        print(credentials_banner(seed_demo(app)))
    print(f"\n  Hotline trainer running at http://{args.host}:{args.port}/  (database: "
          f"{app.config['SQLALCHEMY_DATABASE_URI']}, tagger: {app.config['TAGGER']})\n", flush=True)
    from werkzeug.serving import run_simple
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
