"""Every main page, as each role, checked by axe-core (0 serious or critical violations) at
desktop width (1280 x 900) and again at phone width (390 x 844), where nothing may scroll
sideways either. The pages are found by following the
links a user sees, from the start page; the figures are printed at the end (`pytest -s`)."""

import pytest

from tests.browser.a11y import ROLES, TALLY, describe, failing, main_pages, page_key, run_axe
from tests.browser.conftest import htmx_settled, screenshot, sign_in

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_main_page_passes_axe_and_fits_a_phone(axe_page, role):
    """The phone check reuses the loaded page: it is resized, not fetched again (the layout
    is CSS media queries alone), and axe runs on the phone layout as it is then shown."""
    page = axe_page
    sign_in(page, ROLES[role])
    pages = main_pages(page)
    assert len(pages) >= 3, pages
    problems = []
    too_wide = []
    for url in pages:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        htmx_settled(page)
        violations = run_axe(page)
        TALLY.add(role, page_key(url), violations)
        if failing(violations):
            problems.append(f"{url}: {describe(failing(violations))}")
        page.set_viewport_size(PHONE)
        phone = run_axe(page)
        TALLY.add(role, page_key(url), phone, width="phone")
        if failing(phone):
            problems.append(f"{url} at 390 px: {describe(failing(phone))}")
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            too_wide.append(f"{url}: {widths[0]} > {widths[1]}")
        name = page_key(url).strip("/").replace("/", "_") or "home"
        screenshot(page, f"phone-{role}-{name}")
    assert problems + too_wide == [], "\n".join(problems + too_wide)
