"""Browser fixtures: the app served on a free local port, and Playwright driving the system
Chromium (never a downloaded browser). Without Chromium the tests skip, except under CI."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# TEST_ARTIFACTS: another folder, for two runs side by side (.ci/run: SQLite and PostgreSQL).
ARTIFACTS = (
    Path(os.environ.get("TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts")
    / "screenshots"
)


def _require_chromium():
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; browser tests are required under CI")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


_RESPONSE = "bygop.test.response"


class _ClosingRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server reads what is left of a request before it closes the
    response, outside a `finally`: a browser that drops the connection at that moment (a page
    left while a script still loads) makes the read raise, and the response's open file is
    left to the garbage collector, whose ResourceWarning fails whichever test is running.
    Close it here instead."""

    def connection_dropped(self, error, environ=None):
        response = (environ or {}).pop(_RESPONSE, None)
        if response is not None and hasattr(response, "close"):
            response.close()


def _remember_response(wsgi_app):
    def app(environ, start_response):
        response = wsgi_app(environ, start_response)
        environ[_RESPONSE] = response
        return response

    return app


@contextmanager
def serve(app, **config):
    """Serve a second app instance (CSRF on, as in production) on the test database, with the
    demo data and `config` on top; yield its base URL."""
    served = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "browser-test",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            **config,
        }
    )
    with served.app_context():
        load_demo()
    server = make_server(
        "127.0.0.1",
        0,
        _remember_response(served),
        threaded=True,
        request_handler=_ClosingRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with served.app_context():
            db.session.remove()
            _wait_until_every_connection_is_back(db.engine)
            db.engine.dispose()


def _wait_until_every_connection_is_back(engine, timeout: float = 5.0) -> None:
    """Wait (at most `timeout` seconds) until no request thread holds a connection of
    `engine`'s pool. `shutdown()` stops accepting requests but does not wait for the
    threads still answering one; a connection such a thread gives back after `dispose()`
    goes to the discarded pool, is never closed, and its ResourceWarning (psycopg's "deleted
    while still open") then fails whichever test the garbage collector happens to run in."""
    checked_out = getattr(engine.pool, "checkedout", None)
    if checked_out is None:  # a pool that does not count (SQLite in memory)
        return
    deadline = time.monotonic() + timeout
    while checked_out() > 0 and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def live_server(app):
    """Serve a second app instance (CSRF on, as in production) on the test database."""
    with serve(app) as url:
        yield url


def _after_the_page_is_set_up(method):
    """Wrap a Locator method that types or chooses: wait until the element is there and its
    page has loaded (htmx has set it up) before acting, as a person would. A click that opens
    a page does not wait for it, and typing into a field before htmx has set up its trigger
    sends nothing: on a loaded machine a test could type that early."""

    def wrapper(self, *args, **kwargs):
        self.wait_for(state="attached")
        self.page.wait_for_load_state("load")
        return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def _patch_locator() -> None:
    from playwright.sync_api import Locator, expect

    # CI runs the suite on both databases side by side on two cores: an htmx answer may take
    # seconds to arrive, so an assertion waits up to 15 s for it (the default is 5 s).
    expect.set_options(timeout=15_000)

    if getattr(Locator, "_waits_for_the_page", False):
        return
    for name in ("fill", "press_sequentially", "type", "select_option", "check", "uncheck"):
        setattr(Locator, name, _after_the_page_is_set_up(getattr(Locator, name)))
    Locator._waits_for_the_page = True


_patch_locator()


@contextmanager
def browser_page(browser, live_server, **options):
    """A fresh context and page; fails if the browser logged a JavaScript error."""
    options = {"locale": "da-DK", "viewport": {"width": 1280, "height": 900}} | options
    context = browser.new_context(base_url=live_server, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: _record_console_error(msg, errors))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors in the browser: {errors}"


@pytest.fixture
def page(browser, live_server):
    with browser_page(browser, live_server) as page:
        yield page


@pytest.fixture
def axe_page(browser, live_server):
    """A page into which axe-core can be injected: the app's Content-Security-Policy forbids
    inline scripts, so this one context alone is told to ignore it (bypass_csp)."""
    with browser_page(browser, live_server, bypass_csp=True) as page:
        yield page


@pytest.fixture
def nojs_page(browser, live_server):
    """A page with JavaScript switched off."""
    with browser_page(browser, live_server, java_script_enabled=False) as page:
        yield page


# The browser logs every non-2xx response; these are answers the app gives on purpose
# (a form with errors, an edit conflict, a wrong password) and htmx swaps them in.
EXPECTED_STATUSES = re.compile(r"status of (401|409|422) ")


def _record_console_error(msg, errors: list[str]) -> None:
    if msg.type == "error" and not EXPECTED_STATUSES.search(msg.text):
        errors.append(msg.text)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def htmx_settled(page) -> None:
    """Wait until the page has loaded, htmx has set it up and no htmx request is in flight:
    typing into a search box before that (a loaded machine) fires no search at all."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => window.htmx !== undefined && !document.querySelector('.htmx-request')"
    )


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(password)
    page.locator("main").get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")


def pytest_terminal_summary(terminalreporter):
    """Print the axe-core figures per page and impact (tests/browser/test_accessibility.py)."""
    from tests.browser.a11y import TALLY

    report = TALLY.report()
    if report:
        terminalreporter.write_line(report)
