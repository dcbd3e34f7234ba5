"""A client user drafts the agreement, watches the preview follow the typing, saves two
versions, compares them, approves one and downloads the Word file."""

import os
import shutil
import subprocess

import docx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


def test_client_drafts_compares_approves_and_downloads(page, tmp_path):
    sign_in(page, "bygherre@vestbo.demo")
    page.goto("/projects/")
    page.get_by_role("link", name="Renovering af Toveshøj, blok 4-7").click()
    page.get_by_role("link", name="Partnerskabsaftale →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerskabsaftale")
    screenshot(page, "10-agreement-overview")

    page.get_by_role("button", name="Rediger kladden").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("mindst 4 beskæftigelsesforløb")

    # The preview follows the typing (debounced), without saving anything.
    page.get_by_label("Mindste antal beskæftigelsesforløb").fill("9")
    expect(preview).to_contain_text("mindst 9 beskæftigelsesforløb")
    page.get_by_label("Mindste antal lærepladser").fill("3")
    expect(preview).to_contain_text("mindst 3 lærepladser")
    screenshot(page, "11-agreement-editor")

    # An impossible target: the preview says why, and saving is refused beside the field.
    page.get_by_label("Mindste antal beskæftigelsesforløb").fill("2")
    expect(preview).to_contain_text("kan ikke være lavere end målet for lærepladser")
    page.get_by_role("button", name="Gem som version 2").click()
    expect(page.locator("#v_courses_min-error")).to_contain_text("lærepladser")
    screenshot(page, "12-agreement-invalid")
    page.get_by_label("Mindste antal beskæftigelsesforløb").fill("10")
    page.get_by_label("Hvad er ændret (valgfrit)").fill("Flere forløb og lærepladser")
    page.get_by_role("button", name="Gem som version 2").click()
    expect(page.locator("#flashes")).to_contain_text("Version 2 er gemt.")
    screenshot(page, "13-agreement-version")

    page.get_by_role("link", name="Partnerskabsaftale", exact=True).click()
    page.get_by_role("link", name="Ændringer fra v1").click()
    diff = page.locator(".diff-clauses")
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff.locator("del").first).to_be_visible()
    expect(diff).to_contain_text("10")
    screenshot(page, "14-agreement-compare")

    page.goto(page.url.split("/compare")[0] + "/v2")
    # Approving asks first: the changes against the version in force, who approves, for whom.
    page.get_by_role("button", name="Godkend version 2").click()
    panel = page.locator("#approval-confirm")
    expect(panel).to_contain_text("Du godkender som")
    expect(panel.locator("ins").first).to_be_visible()
    screenshot(page, "15a-agreement-approve-confirm")
    panel.get_by_role("button", name="Godkend version 2").click()
    expect(page.locator("#confirm-error")).to_be_visible()  # the box was not ticked
    page.locator("#approval-confirm").get_by_label("Jeg har læst ændringerne").check()
    page.locator("#approval-confirm").get_by_role("button", name="Godkend version 2").click()
    expect(page.locator("#flashes")).to_contain_text("den gældende aftale")
    screenshot(page, "15-agreement-approved")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Hent Word-fil").click()
    download = download_info.value
    assert (
        download.suggested_filename
        == "Partnerskabsaftale - Renovering af Toveshøj, blok 4-7 - v2.docx"
    )
    path = tmp_path / "aftale.docx"
    download.save_as(path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "mindst 10 beskæftigelsesforløb" in text
    _converts_in_libreoffice(path, tmp_path)


def _converts_in_libreoffice(path, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required under CI")
        return
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (tmp_path / "aftale.pdf").stat().st_size > 10_000


def test_the_preview_reorders_when_a_clause_moves(page):
    sign_in(page, "koordinator@bygop.demo")
    page.goto("/projects/")
    page.get_by_role("link", name="Ny boligblok i Bispehaven").click()
    page.get_by_role("link", name="Partnerskabsaftale →").click()
    page.get_by_role("button", name="Begynd at skrive").click()
    headings = page.locator("#preview h3")
    expect(headings.nth(1)).to_have_text("2. Aftalens grundlag og plads i kontrakten")
    page.get_by_role("button", name="Flyt Aftalens grundlag og plads i kontrakten op").click()
    expect(headings.nth(0)).to_have_text("1. Aftalens grundlag og plads i kontrakten")
    expect(page.locator("#clause-row-legal_basis")).to_have_class("clause-row just-moved")
    screenshot(page, "16-agreement-moved")
