"""The main journey of each role once with JavaScript switched off, and back/forward after an
htmx search keeping the search box's words."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import htmx_settled, screenshot, sign_in


def test_coordinator_without_javascript(nojs_page):
    page = nojs_page
    sign_in(page, "koordinator@bygop.demo")
    # The start page's sections come from the server, not "Henter …" for ever.
    expect(page.locator("#active-projects li").first).to_be_visible()
    expect(page.locator("#open-openings li").first).to_be_visible()
    expect(page.get_by_text("Henter …")).to_have_count(0)
    screenshot(page, "nojs-01-home-coordinator")

    page.goto("/projects/new")
    page.get_by_role("button", name="Opret byggesag").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Der er et problem")
    expect(summary.get_by_role("link", name="Giv byggesagen et navn.")).to_be_visible()
    page.get_by_label("Navn").fill("Tagrenovering Rosenhøj")
    page.get_by_label("Bygherre (boligforening)").select_option(label="Aarhus Almene Boliger")
    page.get_by_role("button", name="Vis boligforeningens boligområder").click()
    areas = page.locator("#area-options")
    expect(areas).not_to_contain_text("Gellerupparken")
    expect(page.get_by_label("Navn")).to_have_value("Tagrenovering Rosenhøj")
    areas.get_by_label("Rosenhøj", exact=True).check()
    page.get_by_role("button", name="Opret byggesag").click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tagrenovering Rosenhøj")

    page.goto("/projects/")
    page.get_by_role("searchbox").fill("tagrenov")
    page.get_by_role("button", name="Søg").click()
    expect(page.locator("#project-results")).to_contain_text("Tagrenovering Rosenhøj")
    expect(page.get_by_role("searchbox")).to_have_value("tagrenov")


def test_admin_client_and_contractor_without_javascript(nojs_page):
    page = nojs_page
    sign_in(page, "admin@bygop.demo")
    page.goto("/admin/users/new")
    page.get_by_role("button", name="Opret bruger").click()
    expect(page.locator("#error-summary")).to_contain_text("Der er et problem")

    page.context.clear_cookies()
    sign_in(page, "bygherre@vestbo.demo")
    page.get_by_role("banner").get_by_role("link", name="Byggesager").click()
    page.locator("#project-results a").first.click()
    page.get_by_role("link", name="Partnerskabsaftale →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerskabsaftale")

    page.context.clear_cookies()
    sign_in(page, "entreprenor@nordbyg.demo")
    page.goto("/projects/")
    page.locator("#project-results a").first.click()
    page.locator("a.hub-card", has_text="Ledige stillinger").click()
    page.get_by_role("button", name="Meld stillingen").click()
    expect(page.locator("#error-summary")).to_contain_text("Der er et problem")
    screenshot(page, "nojs-02-openings-errors-contractor")


def test_back_after_an_htmx_search_keeps_the_words(page):
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    htmx_settled(page)
    box = page.get_by_role("searchbox")
    box.fill("gel")
    page.wait_for_url(re.compile(r"q=gel&"))
    # app.js copies the words into the HTML once the results have settled, which is what
    # htmx's snapshot keeps; a person does not press Back within those milliseconds.
    expect(box).to_have_attribute("value", "gel")
    box.fill("gellerup")
    page.wait_for_url(re.compile(r"q=gellerup"))
    expect(box).to_have_attribute("value", "gellerup")
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=gel&"))
    expect(box).to_have_value("gel")
    page.go_forward()
    expect(box).to_have_value("gellerup")
    page.locator("#project-results a").first.click()
    page.go_back()
    expect(box).to_have_value("gellerup")
    expect(page.locator("#project-results")).to_contain_text("Gellerupparken")
