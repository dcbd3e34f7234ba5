"""An admin invites a user; the e-mail arrives at a real SMTP server; its link sets the
password; the user signs in with it and sees their inbox."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, serve, sign_in
from tests.mailserver import MailServer, parts, subject


@pytest.fixture
def smtp_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(app, smtp_server):
    """As the shared live server, with mail going to the test SMTP server."""
    with serve(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port) as url:
        yield url


def _wait_for_mail(smtp_server, address, page):
    for _ in range(50):
        if mails := smtp_server.to(address):
            return mails[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no mail to {address}")


def test_an_invited_user_sets_a_password_by_the_mailed_link_and_signs_in(
    page, live_server, smtp_server
):
    sign_in(page, "admin@bygop.demo")
    page.goto("/admin/users")
    page.get_by_role("button", name="+ Ny bruger").click()
    form = page.locator("#user-form-card")
    expect(form).to_contain_text("Brugeren får en e-mail med et link")
    form.get_by_label("Navn").fill("Nanna Ny")
    form.get_by_label("E-mail").fill("nanna@bygop.dk")
    form.get_by_label("Rolle").select_option("coordinator")
    form.get_by_role("button", name="Opret bruger").click()
    expect(page.locator("#user-form-card")).to_contain_text("har fået en e-mail på nanna@bygop.dk")
    screenshot(page, "mail-01-invited")

    mail = _wait_for_mail(smtp_server, "nanna@bygop.dk", page)
    assert subject(mail) == "Velkommen til Byg Op: vælg din adgangskode"
    text, _html = parts(mail)
    link = re.search(r"http://127\.0\.0\.1:\d+/auth/set-password\?token=\S+", text).group(0)

    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg din adgangskode")
    page.get_by_label("Ny adgangskode").fill("tre ord er nok")
    page.get_by_label("Gentag den nye adgangskode").fill("tre ord er nok")
    page.get_by_role("button", name="Gem adgangskoden").click()
    page.wait_for_url("**/auth/login")
    expect(page.locator(".flash-success")).to_contain_text("Din adgangskode er valgt")
    screenshot(page, "mail-02-password-set")

    sign_in(page, "nanna@bygop.dk", "tre ord er nok")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nanna")
    # The start page opens with what waits for her as a coordinator (the demo data has some).
    inbox = page.locator("#inbox")
    expect(inbox).to_be_visible()
    expect(inbox.locator("#inbox-heading")).to_contain_text("Venter på dig")
    expect(inbox.locator(".inbox-kind").first).to_be_visible()
    expect(
        inbox.locator("#inbox-questions, #inbox-openings, #inbox-retention").first
    ).to_be_visible()
    screenshot(page, "mail-03-inbox")
    # The link worked once (signed in, the way on is the password change page).
    page.goto(link)
    page.wait_for_url("**/auth/password")
    expect(page.locator(".flash-error")).to_contain_text("Linket virker ikke")
