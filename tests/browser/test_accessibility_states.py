"""axe-core in the states a page scan never sees (a form with errors, an open inline edit, a
fragment after an htmx swap), the GOV.UK error summary, and where the focus lands after htmx."""

from playwright.sync_api import expect

from tests.browser.a11y import TALLY, describe, failing, page_key, run_axe
from tests.browser.conftest import screenshot, sign_in


def _axe(page, role: str, state: str) -> None:
    violations = run_axe(page)
    TALLY.add(role, f"{page_key(page.url)} ({state})", violations)
    assert failing(violations) == [], describe(failing(violations))


def test_coordinator_states_pass_axe_and_the_error_summary_takes_the_focus(axe_page):
    page = axe_page
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    # A fragment after an htmx swap: the search results.
    page.get_by_role("searchbox").fill("gellerup")
    expect(page.locator("#project-results")).not_to_contain_text("Toveshøj")
    _axe(page, "coordinator", "search swapped")

    # A form with errors, swapped in by htmx: the summary lists each error and has the focus.
    page.get_by_role("button", name="+ Ny byggesag").click()
    form = page.locator("#project-form-card")
    form.get_by_role("button", name="Opret byggesag").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Der er et problem")
    expect(summary.get_by_role("link")).to_have_text(
        ["Giv byggesagen et navn.", "Vælg boligforeningen."]
    )
    _axe(page, "coordinator", "form with errors")
    # The list's filters and the inline form share no element ids.
    duplicates = page.evaluate(
        """() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
                   return ids.filter((id, i) => ids.indexOf(id) !== i); }"""
    )
    assert duplicates == []
    screenshot(page, "a11y-error-summary")
    summary.get_by_role("link", name="Giv byggesagen et navn.").click()
    expect(form.get_by_label("Navn")).to_be_focused()

    # An open inline edit, then saved: the focus returns to the project's details.
    page.goto("/projects/")
    page.get_by_role("link", name="Renovering af Toveshøj, blok 4-7").click()
    page.get_by_role("button", name="Rediger").click()
    details = page.locator("#project-details")
    expect(details.get_by_label("Fase")).to_be_visible()
    _axe(page, "coordinator", "inline edit open")
    details.get_by_role("button", name="Gem").click()
    expect(details.get_by_role("button", name="Rediger")).to_be_visible()
    expect(details).to_be_focused()


def test_a_moved_clause_keeps_the_focus(axe_page):
    page = axe_page
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name="Ny boligblok i Bispehaven").click()
    page.get_by_role("link", name="Partnerskabsaftale →").click()
    page.get_by_role("button", name="Begynd at skrive").click()
    down = page.get_by_role("button", name="Flyt Aftalens grundlag og plads i kontrakten ned")
    rows = page.locator(".clause-list > li.clause-row")
    # evaluate_all does not wait: read the order only once the draft page has loaded.
    expect(down).to_be_visible()
    start = rows.evaluate_all("rows => rows.map(r => r.dataset.key)").index("legal_basis")
    down.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#clause-row-legal_basis")).to_have_class("clause-row just-moved")
    expect(rows.nth(start + 1)).to_have_attribute("data-key", "legal_basis")
    expect(down).to_be_focused()
    page.keyboard.press("Enter")  # and again, from the keyboard alone
    expect(rows.nth(start + 2)).to_have_attribute("data-key", "legal_basis")
    expect(down).to_be_focused()
    # axe reads colours from the settled page, not from one htmx is still swapping.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    _axe(page, "coordinator", "clause moved")


def test_admin_and_contractor_forms_with_errors_pass_axe(axe_page):
    page = axe_page
    sign_in(page, "admin@bygop.demo")
    page.goto("/admin/users")
    page.get_by_role("button", name="+ Ny bruger").click()
    page.get_by_role("button", name="Opret bruger").click()
    expect(page.locator("#error-summary")).to_be_focused()
    _axe(page, "admin", "form with errors")

    page.context.clear_cookies()
    sign_in(page, "entreprenor@nordbyg.demo")
    page.goto("/projects/")
    page.locator("#project-results a").first.click()
    page.locator("a.hub-card", has_text="Ledige stillinger").click()
    page.get_by_role("button", name="Meld stillingen").click()
    expect(page.locator("#error-summary")).to_be_focused()
    _axe(page, "contractor", "form with errors")
