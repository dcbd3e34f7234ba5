"""A contractor prepares for the kickoff from the product alone: reads the agreement and its
own duties, asks a question, reports an opening; a coordinator answers during the meeting."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.clock import local_today
from tests.browser.conftest import screenshot, sign_in

PROJECT = "Helhedsplan Gellerupparken, etape 2"

# No htmx request in flight and no swap settling: the page shows the last answer.
SETTLED = (
    "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def test_contractor_prepares_and_coordinator_answers(browser, live_server):
    contractor = browser.new_context(
        base_url=live_server, locale="da-DK", viewport={"width": 1280, "height": 900}
    )
    page = contractor.new_page()
    sign_in(page, "entreprenor@nordbyg.demo")
    page.get_by_role("banner").get_by_role("link", name="Byggesager").click()
    results = page.locator("#project-results")
    expect(results.get_by_role("link")).to_have_count(2)  # only Nordbyg's own projects
    results.get_by_role("link", name=PROJECT).click()
    expect(page.locator("#duties")).to_contain_text("underentreprenører")
    screenshot(page, "20-contractor-project")

    page.get_by_role("link", name="Partnerskabsaftale →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerskabsaftale")
    page.get_by_role("link", name="Læs den her").click()
    expect(page.locator(".agreement")).to_contain_text("Progressionsstigen")
    expect(page.get_by_role("button", name="Godkend version 2")).to_have_count(0)
    screenshot(page, "21-contractor-agreement")

    page.goto(page.url.split("/agreement/")[0] + "/kickoff")
    qa = page.locator("#qa")
    expect(qa).to_contain_text("Skal de ledige fastansættes?")
    page.get_by_label("Dit spørgsmål").fill("Hvem tager imod den nye medarbejder første dag?")
    page.get_by_role("button", name="Send spørgsmål").click()
    expect(qa).to_contain_text("Hvem tager imod den nye medarbejder første dag?")
    expect(qa).to_contain_text("Ikke besvaret endnu")
    expect(page.locator("#flashes")).to_contain_text("Dit spørgsmål er sendt.")
    screenshot(page, "22-contractor-kickoff")

    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=re.compile("Ledige stillinger")).click()
    form = page.locator("#opening-form-card")
    form.get_by_role("button", name="Meld stillingen").click()  # empty: errors in place
    expect(form.locator(".field-error").first).to_be_visible()
    form.get_by_label("Funktion").select_option(label="Pladsmand")
    form.get_by_label("Virksomhed").select_option(label="Aarhus El-Service ApS")
    start = (local_today() + timedelta(days=21)).isoformat()
    form.get_by_label("Forventet start").fill(start)
    form.get_by_label("Passer til trinnet").select_option(label="Løntilskud")
    form.get_by_label("Note").fill("Kabeltræk og oprydning")
    form.get_by_role("button", name="Meld stillingen").click()
    listing = page.locator("#opening-list")
    expect(listing).to_contain_text("Aarhus El-Service ApS")
    expect(listing).to_contain_text("Løntilskud")
    screenshot(page, "23-contractor-openings")
    contractor.close()

    staff = browser.new_context(
        base_url=live_server, locale="da-DK", viewport={"width": 1280, "height": 900}
    )
    page = staff.new_page()
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=re.compile("Møder")).click()
    page.get_by_role("link", name=re.compile("Opstartsmøde")).click()
    item = page.locator(".qa-item", has_text="Hvem tager imod den nye medarbejder første dag?")
    item.get_by_role("textbox").fill("Formanden, Jens, viser rundt og gennemgår sikkerheden.")
    # Wait for each htmx swap to land before the next click: a click on the element being
    # replaced is lost (the typed value is in the box before the answer is saved, too).
    with page.expect_response(lambda r: r.request.method == "POST"):
        item.get_by_role("button", name="Gem svar").click()
    page.wait_for_function(SETTLED)
    item = page.locator(".qa-item", has_text="Hvem tager imod den nye medarbejder første dag?")
    expect(item.get_by_role("textbox")).to_have_value(
        "Formanden, Jens, viser rundt og gennemgår sikkerheden."
    )
    with page.expect_response(lambda r: r.request.method == "POST"):
        item.get_by_role("button", name="Markér som drøftet").click()
    page.wait_for_function(SETTLED)
    item = page.locator(".qa-item", has_text="Hvem tager imod den nye medarbejder første dag?")
    expect(item.locator(".badge")).to_have_text("Drøftet")
    screenshot(page, "24-coordinator-kickoff")
    staff.close()

    again = browser.new_context(base_url=live_server, locale="da-DK")
    page = again.new_page()
    sign_in(page, "entreprenor@nordbyg.demo")
    page.goto("/projects/")
    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=re.compile("Møder")).click()
    page.get_by_role("link", name=re.compile("Opstartsmøde")).click()
    expect(page.locator("#qa")).to_contain_text("Formanden, Jens, viser rundt")
    again.close()


def test_coordinator_awards_and_invites(page):
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name="Renovering af Toveshøj, blok 4-7").click()
    award = page.locator("#award")
    award.get_by_label("Hovedentreprenør").select_option(label="Kraftværk Totalentreprise A/S")
    award.get_by_role("button", name="Tildel").click()
    expect(page.locator("#flashes")).to_contain_text("Byggesagen er tildelt.")
    award = page.locator("#award")
    award.get_by_label("…eller en ny virksomhed").fill("Østjysk Stillads ApS")
    award.get_by_role("button", name="Tilføj underentreprenør").click()
    expect(page.locator("#project-details")).to_contain_text("Østjysk Stillads ApS")
    invite = page.locator("#award form[action$='/invite']")
    invite.get_by_label("Navn").fill("Sara Stillads")
    invite.get_by_label("E-mail").fill("sara@stillads.demo")
    invite.get_by_label("Virksomhed").select_option(label="Østjysk Stillads ApS")
    invite.get_by_role("button", name="Opret adgang").click()
    expect(page.locator("#award code")).to_be_visible()
    expect(page.locator("#award")).to_contain_text("Sara Stillads")
    screenshot(page, "25-coordinator-award")
