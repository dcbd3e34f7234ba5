"""A coordinator registers a candidate, logs two conversations, matches them to a reported
opening, moves them up two rungs, and sees the counts, the bars and the chart change."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

PROJECT = "Helhedsplan Gellerupparken, etape 2"


def counted(page) -> int:
    return int(page.locator("#progress-courses .progress-figure strong").inner_text())


def test_coordinator_registers_matches_and_climbs(page):
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=re.compile("Fremdrift")).click()
    before = counted(page)
    chart_before = page.locator("#progress-chart svg").inner_html()
    screenshot(page, "40-progress-before")

    page.get_by_role("banner").get_by_role("link", name="Kandidater").click()
    page.get_by_role("button", name="+ Ny kandidat").click()
    form = page.locator("#candidate-form-card")
    form.get_by_label("Fornavn").fill("Nadia")
    form.get_by_label("Efternavn").fill("Karim")
    form.get_by_label("Boligforening").select_option(label="Boligforeningen Vestbo")
    form.get_by_label("Boligområde").select_option(label="Boligforeningen Vestbo: Gellerupparken")
    form.get_by_label("Fag og erhvervserfaring").fill("Lager, truckcertifikat")
    form.get_by_role("button", name="Opret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nadia Karim")

    conversations = page.locator("#conversations")
    for day in ("2026-05-20", "2026-05-27"):
        conversations.get_by_label("Dato").fill(day)
        conversations.get_by_label("Type").select_option(label="Før et match")
        conversations.get_by_role("button", name="Registrer samtale").click()
        conversations = page.locator("#conversations")
        expect(conversations).to_contain_text(f"{int(day[-2:])}. maj 2026")
    expect(page.locator("#conversations li")).to_have_count(2)
    screenshot(page, "41-candidate-conversations")

    page.get_by_role("banner").get_by_role("link", name="Match").click()
    row = page.locator("tr", has_text="Pladsmand").filter(has_text="Nordbyg")
    row.get_by_role("button", name="Match").click()
    card = page.locator("#placement-form-card")
    card.get_by_label("Find kandidaten").fill("Nadia")
    card.get_by_label(re.compile("Nadia Karim")).check()
    card.locator("#start_date").fill("2026-06-01")
    card.get_by_label("Planlagt slut").fill("")
    screenshot(page, "42-match")
    card.get_by_role("button", name="Opret forløbet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nadia Karim")
    expect(page.locator("#flashes")).to_contain_text("Nadia Karim")

    for last_day in ("2026-07-12", "2026-10-12"):
        current = page.locator(".placement-item").first
        current.get_by_label("Sidste dag på dette trin").fill(last_day)
        current.get_by_role("button", name=re.compile("Næste trin")).click()
        expect(page.locator("#flashes")).to_contain_text("Rykket op")
    expect(page.locator(".journey-svg .bar")).to_have_count(3)
    screenshot(page, "43-candidate-journey")

    page.get_by_role("link", name=PROJECT).first.click()
    page.get_by_role("link", name=re.compile("Fremdrift")).click()
    # Internship (6 weeks) and wage subsidy (3 months) have lasted their minimum: +2 counted.
    assert counted(page) == before + 2
    bar = page.locator("#progress-courses progress")
    target = int(bar.get_attribute("max"))
    expect(bar).to_have_attribute("value", str(min(before + 2, target)))
    assert page.locator("#progress-chart svg").inner_html() != chart_before
    screenshot(page, "44-progress-after")
