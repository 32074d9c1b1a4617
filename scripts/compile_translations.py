"""Build the UI message catalogues: extract strings, update web/translations/{zh,en}, compile .po -> .mo.

    python scripts/compile_translations.py            # extract + update + compile
    python scripts/compile_translations.py --check    # also fail when a zh string has no translation

Strings come from `_()`/`gettext`/`lazy_gettext`/`_l` in web/*.py and web/templates, and from the
English texts of the keyed `t()` messages in web/i18n.py (their Chinese there seeds empty zh entries).
Existing translations are kept; .mo files are build output (not committed).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
TRANSLATIONS = WEB / "translations"
LOCALES = ("zh", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("translations/**", "ignore"), ("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]

log = logging.getLogger("compile_translations")


def keyed_messages() -> dict[str, dict[str, str]]:
    """The `t(key)` messages of web/i18n.py, if it still has them (key -> {lang: text})."""
    sys.path.insert(0, str(ROOT))
    try:
        from web.i18n import MESSAGES
    except ImportError:
        return {}
    return MESSAGES


def extract() -> Catalog:
    """A template catalogue of every UI string in web/."""
    template = Catalog(project="hotline", fuzzy=False)
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            WEB, METHODS, options_map=options, keywords=KEYWORDS):
        template.add(message, locations=[(f"web/{filename}", lineno)], auto_comments=comments, context=context)
    for key, entry in keyed_messages().items():
        if entry.get("en"):
            template.add(entry["en"], locations=[("web/i18n.py", 0)], auto_comments=[f"t('{key}')"])
    return template


def update(locale: str, template: Catalog) -> Catalog:
    """The locale's catalogue, brought up to date with `template` (translations kept, none guessed)."""
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    if po_path.exists():
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="hotline", fuzzy=False)
    before = _messages(catalog) if po_path.exists() else None
    catalog.update(template, no_fuzzy_matching=True)
    if locale != "en":
        seed_from_keyed(catalog, locale)
    if _messages(catalog) != before:  # only line numbers or dates moved: leave the tracked file alone
        po_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, ignore_obsolete=True)
    return catalog


def _messages(catalog: Catalog) -> set[tuple]:
    return {(str(m.id), str(m.string)) for m in catalog if m.id}


def seed_from_keyed(catalog: Catalog, locale: str) -> None:
    for entry in keyed_messages().values():
        msg = catalog.get(entry.get("en", ""))
        if msg is not None and not msg.string and entry.get(locale):
            msg.string = entry[locale]


def compile_catalog(locale: str, catalog: Catalog) -> Path:
    mo_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    with mo_path.open("wb") as f:
        write_mo(f, catalog)
    return mo_path


def missing(catalog: Catalog) -> list[str]:
    return [m.id for m in catalog if m.id and not m.string]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a zh string lacks a translation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    status = 0
    for locale in LOCALES:
        catalog = update(locale, extract())  # a fresh template each: update() may share its messages
        path = compile_catalog(locale, catalog)
        gaps = missing(catalog) if locale != "en" else []
        log.info("%s: %d strings, %d untranslated -> %s", locale, len(catalog), len(gaps), path.relative_to(ROOT))
        for msgid in gaps:
            log.warning("  %s: no translation for %r", locale, msgid)
        status = 1 if gaps and args.check else status
    return status


if __name__ == "__main__":
    sys.exit(main())
