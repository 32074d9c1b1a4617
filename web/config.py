"""Config classes; any key can be overridden by an environment variable HOTLINE_<KEY>."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{ROOT / 'var' / 'hotline.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SCENARIO_DIR = str(ROOT / "scenarios")
    TAGGER = "combined"          # rules | model | combined
    SKILL_SENSITIVITY = "standard"  # standard | high | highest: see SENSITIVITIES in simulator/tagging.py
    EVENTS = ""                  # caller-event reader: rules | model | combined; "" = rules with TAGGER rules, else combined
    CALLER_BACKEND = ""          # "" = as each scenario says; see models/callers
    DEMO_DATA = True
    TASK_QUEUE = "eager"         # eager | redis
    REDIS_URL = "redis://127.0.0.1:6379/0"
    TASK_QUEUE_NAME = "hotline"
    WTF_CSRF_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "web" / "translations")
    RETENTION_YEARS = 3          # call records are kept at least this long; purge refuses younger
    SESSION_COOKIE_NAME = "hotline_session"
    TESTING = False


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite:///:memory:"
    TAGGER = "rules"
    DEMO_DATA = False
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False


def _coerce(old, raw: str):
    if isinstance(old, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(old, int):
        return int(raw)
    return raw


def env_overrides(config_obj) -> dict:
    """HOTLINE_* environment variables that override keys of `config_obj`."""
    out = {}
    for key, raw in os.environ.items():
        if key.startswith("HOTLINE_"):
            name = key[len("HOTLINE_"):]
            if hasattr(config_obj, name):
                out[name] = _coerce(getattr(config_obj, name), raw)
    return out


def instance_secret(path: Path = ROOT / "var" / "secret_key") -> str:
    """A per-installation secret kept in var/ (created once), for runs that set no HOTLINE_SECRET_KEY."""
    if not path.exists():
        import secrets
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
