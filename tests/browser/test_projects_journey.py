"""A coordinator signs in, creates a project inline and finds it with the search box."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import htmx_settled, screenshot, sign_in


def test_coordinator_creates_a_project_and_finds_it(page):
    sign_in(page, "koordinator@bygop.demo")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Karen")
    # The four sections load after the page, each from its own route.
    for section in ("#active-projects", "#retention-due", "#upcoming-meetings", "#open-openings"):
        expect(page.locator(f"{section} li").first).to_be_visible()
    expect(page.locator("[aria-busy]")).to_have_count(0)
    expect(page.locator("#active-projects progress").first).to_be_visible()
    screenshot(page, "01-home-coordinator")

    page.get_by_role("banner").get_by_role("link", name="Byggesager").click()
    expect(page.locator("#project-results")).to_contain_text("Helhedsplan Gellerupparken")
    screenshot(page, "02-projects")

    page.get_by_role("button", name="+ Ny byggesag").click()
    form = page.locator("#project-form-card")
    expect(form).to_be_visible()
    # First an invalid save: the errors appear beside the fields, in Danish, without a reload.
    form.get_by_role("button", name="Opret byggesag").click()
    expect(form.locator("#name-error")).to_have_text("Giv byggesagen et navn.")
    screenshot(page, "03-new-project-errors")

    form.get_by_label("Navn").fill("Tagrenovering Rosenhøj")
    form.get_by_label("Adresse").fill("Rosenhøj 20, 8260 Viby J")
    form.get_by_label("Bygherre (boligforening)").select_option(label="Aarhus Almene Boliger")
    # Choosing the association narrows the housing areas to its own.
    areas = form.locator("#area-options")
    expect(areas).not_to_contain_text("Gellerupparken")
    areas.get_by_label("Rosenhøj", exact=True).check()
    form.get_by_role("button", name="Opret byggesag").click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tagrenovering Rosenhøj")
    expect(page.locator("#flashes")).to_contain_text("er oprettet")
    screenshot(page, "04-project-detail")

    page.get_by_role("banner").get_by_role("link", name="Byggesager").click()
    page.wait_for_url(re.compile(r"/projects/$"))
    htmx_settled(page)
    page.get_by_role("searchbox").fill("tagrenov")
    results = page.locator("#project-results")
    expect(results.get_by_role("link", name="Tagrenovering Rosenhøj")).to_be_visible()
    expect(results.get_by_role("link", name="Helhedsplan Gellerupparken, etape 2")).to_have_count(0)
    assert "q=tagrenov" in page.url  # the search is in the address, so it can be shared
    screenshot(page, "05-project-search")


def test_a_section_that_fails_to_load_says_so(browser, live_server):
    """A section whose request fails shows a message instead of loading for ever; the
    others load as usual. (Its own page: the `page` fixture fails on any console error, and
    here the browser rightly logs the 500.)"""
    context = browser.new_context(base_url=live_server, locale="da-DK")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/dashboard/meetings", lambda route: route.fulfill(status=500, body="boom"))
    sign_in(page, "koordinator@bygop.demo")
    failed = page.locator("#upcoming-meetings [role=alert]")
    expect(failed).to_have_text("Afsnittet kunne ikke hentes. Genindlæs siden for at prøve igen.")
    expect(page.locator("#retention-due li").first).to_be_visible()
    expect(page.locator("[aria-busy]")).to_have_count(0)
    screenshot(page, "01b-home-section-failed")
    context.close()
    assert errors == []  # app.js itself threw nothing


def test_coordinator_edits_a_project_inline(page):
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name="Renovering af Toveshøj, blok 4-7").click()
    page.get_by_role("button", name="Rediger").click()
    details = page.locator("#project-details")
    details.get_by_label("Fase").select_option("awarded")
    details.get_by_role("button", name="Gem").click()
    expect(details.locator("#main_contractor_id-error")).to_contain_text("hovedentreprenøren")
    details.get_by_label("Hovedentreprenør").select_option(label="Nordbyg Entreprise A/S")
    details.get_by_role("button", name="Gem").click()
    expect(details.get_by_role("heading", level=1)).to_have_text("Renovering af Toveshøj, blok 4-7")
    expect(details).to_contain_text("Nordbyg Entreprise A/S")
    expect(page.locator("#flashes")).to_contain_text("Byggesagen er gemt.")
    screenshot(page, "06-project-edited")


def test_client_sees_only_own_projects_on_a_phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="da-DK", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    sign_in(page, "bygherre@vestbo.demo")
    page.goto("/projects/")
    results = page.locator("#project-results")
    expect(results).to_contain_text("Helhedsplan Gellerupparken")
    expect(results).not_to_contain_text("Bispehaven")
    expect(page.get_by_role("button", name="+ Ny byggesag")).to_have_count(0)
    screenshot(page, "07-projects-client-phone")
    context.close()
