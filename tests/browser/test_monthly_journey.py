"""A coordinator runs this month's follow-up meeting from one page: reads the agenda built from
the data, writes minutes (saved as they are typed), adds an action item, and finds it on the
next month's agenda."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


def test_coordinator_runs_the_monthly_meeting(page):
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name="Helhedsplan Gellerupparken, etape 2").click()
    page.get_by_role("link", name=re.compile("Møder")).click()
    screenshot(page, "30-meetings")
    page.get_by_role("link", name=re.compile("Næste opfølgningsmøde")).click()

    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Ahmed Yousef")  # a current employment, from the data
    expect(agenda).to_contain_text("Afklare læreplads hos Jysk Murer")  # last month's item
    expect(agenda).to_contain_text("Hvor mange lærlinge har I lige nu?")

    minutes = page.locator("#minutes-text")
    minutes.fill("Nordbyg tager en pladsmand mere fra januar.")
    expect(page.locator("#minutes-status")).to_contain_text("Gemt", timeout=10_000)

    actions = page.locator("#actions")
    actions.get_by_label("Opgave").fill("Sende kandidatprofil til Nordbyg")
    actions.get_by_label("Hvem").fill("Karen")
    actions.get_by_role("button", name="Tilføj opgave").click()
    expect(page.locator("#actions")).to_contain_text("Sende kandidatprofil til Nordbyg")
    screenshot(page, "31-monthly-meeting")

    page.reload()
    expect(page.locator("#minutes-text")).to_have_value(
        "Nordbyg tager en pladsmand mere fra januar."
    )
    page.locator(".meeting-nav .next-meeting").click()
    expect(page.locator("#agenda")).to_contain_text("Sende kandidatprofil til Nordbyg")
    screenshot(page, "32-next-month")
