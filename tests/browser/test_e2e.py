"""A real browser (Debian's Chromium, driven by Playwright) through the whole loop, in both languages:
trainee takes a call and submits it -> supervisor overrides an item, comments, approves ->
coordinator sees progress, certifies with an exception reason and opens the verification page.

The app is served by werkzeug in a thread on a free port, on a temp SQLite file, with CSRF on.
Screenshots go to $HOTLINE_SCREENSHOTS when that is set (for a person to look at).
"""
from __future__ import annotations

import os
import re
import socket
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="Debian's chromium is not installed (apt-get install -y chromium)")]

TEXT = {  # what the trainee says, and strings each UI language must show
    "zh": {"greet": "你好，这里是心理援助热线，我是接线员。不着急，我在这里听着。",
           "reflect": "听起来你现在很难开口，没关系，慢慢来。",
           "queue": "待审阅通话", "approved": "通过", "verify": "证书核验", "valid": "有效", "progress": "我的进度"},
    "en": {"greet": "Hello, this is the support hotline, I'm a volunteer here. Take your time, I'm listening.",
           "reflect": "It sounds like it's hard to talk right now, and that's okay.",
           "queue": "Review queue", "approved": "Approved", "verify": "Certificate check", "valid": "Valid",
           "progress": "My progress"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    from werkzeug.serving import make_server

    from web import create_app
    from web.config import TestingConfig
    from web.demo import seed_accounts
    from web.extensions import db
    from web.setup_db import init_db

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite'}", "WTF_CSRF_ENABLED": True,
                "TAGGER": "rules", "DEMO_DATA": True}
    app = create_app(type("E2EConfig", (TestingConfig,), settings))
    init_db(app)
    with app.app_context():
        seed_accounts()
    port = _free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    folder = os.environ.get("HOTLINE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def log_in(browser, base: str, username: str, password: str, lang: str):
    """A fresh browser context logged in as `username`, with the UI switched to `lang`."""
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the hang-up confirmation
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("section.login button[type=submit]")
    page.wait_for_load_state()
    page.click(f"form.lang-switch button[value={lang}]")
    page.wait_for_load_state()
    assert page.locator(f"form.lang-switch button[value={lang}][aria-current]").count() == 1
    return page


def take_call(page, base: str, lang: str) -> str:
    """Start a silent-caller call, say two things, wait, hang up; the call's public id."""
    page.goto(f"{base}/?caller_type=silent&lang={lang}")
    page.locator(f".card form.start button[value={lang}]").first.click()
    page.wait_for_url(re.compile(r"/calls/[0-9a-f-]+$"))
    public_id = page.url.rsplit("/", 1)[1]
    page.fill("#text", TEXT[lang]["greet"])
    page.click("form.say button[type=submit]")
    page.wait_for_load_state()
    page.click("form.inline button[value='10']")
    page.wait_for_load_state()
    if page.locator("form.say").count():
        page.fill("#text", TEXT[lang]["reflect"])
        page.click("form.say button[type=submit]")
        page.wait_for_load_state()
    if page.locator("form.hangup").count():
        page.click("form.hangup button")
    else:
        page.goto(f"{base}/calls/{public_id}/report")
    page.wait_for_url(re.compile(r"/report$"))
    return public_id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trainee_supervisor_coordinator(server, browser, lang):
    words = TEXT[lang]
    trainee = log_in(browser, server, "trainee1", "demo-trainee", lang)
    call = take_call(trainee, server, lang)
    assert trainee.locator("section.items, .summary").count() >= 1   # the report is there
    shot(trainee, f"{lang}-1-report")
    trainee.click("button.submit-review")
    trainee.wait_for_url(re.compile(r"/feedback$"))
    assert trainee.locator(".pending-review").count() == 1

    supervisor = log_in(browser, server, "supervisor1", "demo-supervisor", lang)
    supervisor.goto(f"{server}/review/")
    assert words["queue"] in supervisor.content()
    supervisor.click(f"tr[data-call='{call}'] a.button")
    form = supervisor.locator("form.override").first
    current = form.locator("select[name=result]").input_value()
    item = form.locator("input[name=item]").input_value()
    form.locator("select[name=result]").select_option("missed" if current == "met" else "met")
    form.locator("input[name=reason]").fill("e2e: the supervisor heard it differently")
    form.locator("button").click()
    supervisor.wait_for_load_state()
    assert supervisor.locator(f"#item-{item}.overridden").count() == 1
    supervisor.locator("#turn-1 form.comment input[name=text]").fill("e2e: a good moment to pause")
    supervisor.locator("#turn-1 form.comment button").click()
    supervisor.wait_for_load_state()
    supervisor.fill("textarea[name=summary]", "e2e: approved with one correction")
    supervisor.click("button[value=approved]")
    supervisor.wait_for_load_state()
    assert supervisor.locator(".decision").inner_text().strip() == words["approved"]
    shot(supervisor, f"{lang}-2-review")

    trainee.goto(f"{server}/calls/{call}/feedback")
    feedback = trainee.content()
    assert "e2e: approved with one correction" in feedback and "e2e: a good moment to pause" in feedback
    assert "e2e: the supervisor heard it differently" in feedback
    trainee.goto(f"{server}/progress/")
    assert words["progress"] in trainee.content()
    trainee.wait_for_function("window.hotlineCharts && window.hotlineCharts.scores.data.datasets.length > 0")
    shot(trainee, f"{lang}-3-progress")

    coordinator = log_in(browser, server, "coordinator1", "demo-coordinator", lang)
    coordinator.goto(f"{server}/certify/")
    row = coordinator.locator("tr[data-username=trainee1]")
    assert row.locator("ul.missing li").count() >= 1          # the demo trainee has not met the policy
    row.locator("input[name=exception_reason]").fill("e2e: transfer from a partner hotline")
    row.locator("form.certify button").click()
    coordinator.wait_for_load_state()
    row = coordinator.locator("tr[data-username=trainee1]")
    assert row.locator(".cert-status.status-valid").count() == 1
    shot(coordinator, f"{lang}-4-dashboard")
    code = row.locator("a.cert-code").inner_text().strip()

    anonymous = browser.new_context().new_page()
    anonymous.goto(f"{server}/verify/{code}")
    anonymous.click(f"form.lang-switch button[value={lang}]")    # no account: the choice is kept in the session
    anonymous.wait_for_load_state()
    text = anonymous.content()
    assert words["verify"] in text and words["valid"] in anonymous.locator(".verify-status").inner_text()
    shot(anonymous, f"{lang}-5-verify")
