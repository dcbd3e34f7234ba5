"""Each role signs in and finds what waits for them first on the start page, with its count in
the navigation; the same page works without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

ROLES = {
    "coordinator": "koordinator@bygop.demo",
    "admin": "admin@bygop.demo",
    "client": "bygherre@vestbo.demo",
    "contractor": "entreprenor@nordbyg.demo",
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_what_waits_for_them(page, role):
    sign_in(page, ROLES[role])
    inbox = page.locator("#inbox")
    expect(inbox.get_by_role("heading", level=2)).to_contain_text("Venter på dig")
    expect(inbox.locator("li").first).to_be_visible()
    # The navigation says how many, in words a screen reader reads out too.
    link = page.get_by_role("banner").locator(".inbox-link:visible")
    expect(link).to_have_text(re.compile(r"^Venter på dig\s*\d+\s*\(\d+\)$"))
    shown = re.match(r"Venter på dig\s*(\d+)\s*\((\d+)\)", link.inner_text())
    assert shown and shown.group(1) == shown.group(2)
    if role == "client":
        expect(inbox).to_contain_text("Versioner der venter på din godkendelse")
        expect(inbox).to_contain_text("Renovering af Toveshøj")
    if role == "contractor":
        expect(inbox).to_contain_text("Svar på dine spørgsmål")
        expect(inbox).not_to_contain_text("Jysk Murer")  # another company's opening
    if role in ("coordinator", "admin"):
        expect(inbox).to_contain_text("Ledige stillinger uden match")
        expect(page.locator("[aria-busy]")).to_have_count(0)  # the sections below loaded too
    screenshot(page, f"inbox-{role}")
    # Each item links to where it is handled.
    first = inbox.locator("li a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(re.compile(re.escape(href.split("#")[0]) + r"(#.*)?$"))


def test_the_inbox_works_without_javascript(browser, live_server):
    context = browser.new_context(
        base_url=live_server,
        locale="da-DK",
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    try:
        sign_in(page, ROLES["client"])
        expect(page.locator("#inbox li").first).to_be_visible()
        screenshot(page, "inbox-client-no-js")
    finally:
        context.close()
