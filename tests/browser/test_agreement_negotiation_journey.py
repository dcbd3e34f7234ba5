"""The client negotiates the agreement: the editor keeps a working copy (restored after a
reload, discarded on request), asks before leaving with changes, starts an adaptation from
the library's wording, follows the clause being edited in the preview; then a comment on a
clause is answered and resolved, the web diff and the approval show what is approved before
it is, and the Word redline holds the tracked changes and the comment thread."""

import re
import zipfile

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

PROJECT = "Renovering af Toveshøj, blok 4-7"


def open_editor(page):
    page.goto("/projects/")
    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name="Partnerskabsaftale →").click()
    page.get_by_role("button", name="Rediger kladden").click()
    expect(page.locator("#preview")).to_contain_text("beskæftigelsesforløb")


def test_the_draft_keeps_its_work_and_the_approval_shows_what_is_approved(page):
    sign_in(page, "bygherre@vestbo.demo")
    open_editor(page)
    status = page.locator("#autosave-status")

    # Typing is kept on the server after a moment of quiet, without a new version.
    contact = page.get_by_label("Kontakt til koordinator")
    contact.click()
    contact.press("End")
    page.keyboard.type(" – ring før kl. 9")
    expect(status).to_contain_text("Arbejdskopien er gemt", timeout=8000)
    expect(page.get_by_role("button", name="Gem som version 2")).to_be_visible()
    screenshot(page, "20-draft-autosaved")

    # Leaving with unsaved changes asks first; staying keeps the page.
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Partnerskabsaftale", exact=True).click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page.get_by_role("heading", name="Skriv partnerskabsaftalen")).to_be_visible()
    assert page.url.endswith("/agreement/draft")

    # Coming back restores the working copy, with a line that says so.
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    restored = page.locator("#restored")
    expect(restored).to_contain_text("er gendannet")
    expect(page.get_by_label("Kontakt til koordinator")).to_have_value(
        __import__("re").compile("ring før kl. 9$")
    )
    screenshot(page, "21-draft-restored")

    # Discarding starts again from the saved version (no prompt: it is on purpose).
    page.get_by_role("button", name="Kassér arbejdskopien").click()
    expect(page.locator("#flashes")).to_contain_text("Din arbejdskopi er kasseret.")
    expect(page.locator("#restored")).to_have_count(0)
    expect(page.get_by_label("Kontakt til koordinator")).not_to_have_value(
        __import__("re").compile("ring før kl. 9$")
    )

    # Switching a clause on shows it in the preview at once, and the preview goes to it.
    row = page.locator("#clause-row-statutory")
    row.get_by_role("checkbox").check()
    clause = page.locator("#preview #clause-statutory")
    expect(clause).to_be_visible()
    expect(clause).to_have_class(__import__("re").compile("is-editing"))
    screenshot(page, "22-draft-clause-on")

    # Adapting a clause starts from the library's wording: change one sentence only.
    purpose = page.locator("#clause-row-purpose")
    purpose.get_by_text("Tilpas ordlyden til denne byggesag").click()
    box = purpose.get_by_role("textbox")
    original = box.input_value()
    assert "Toveshøj" in original and len(original) > 200
    first = original.split(". ")[0]
    box.fill(original.replace(first, "Parterne vil især hjælpe unge beboere i job", 1))
    preview = page.locator("#preview #clause-purpose")
    expect(preview).to_contain_text("Parterne vil især hjælpe unge beboere i job")
    expect(preview).to_have_class(__import__("re").compile("is-editing"))
    expect(page.locator("#preview")).to_contain_text(original.split(". ", 1)[1][:30])
    screenshot(page, "23-draft-adapted")

    expect(status).to_contain_text("Arbejdskopien er gemt")

    # Back to the library text, then adapt again and save the version.
    purpose.get_by_role("button", name="Tilbage til bibliotekets tekst").click()
    expect(page.locator("#clause-row-purpose").get_by_role("textbox")).to_have_value(original)
    box = page.locator("#clause-row-purpose").get_by_role("textbox")
    box.fill(original.replace(first, "Parterne vil især hjælpe unge beboere i job", 1))
    expect(page.locator("#preview #clause-purpose")).to_contain_text("hjælpe unge beboere i job")
    page.get_by_label("Hvad er ændret (valgfrit)").fill("Formålet skærpet")
    page.get_by_role("button", name="Gem som version 2").click()
    expect(page.locator("#flashes")).to_contain_text("Version 2 er gemt.")

    # The web diff beside it: only the changed clauses, deletions and insertions apart.
    page.get_by_role("link", name="Se ændringerne").first.click()
    expect(page.locator("#diff-purpose ins")).to_contain_text("Parterne vil især hjælpe unge")
    expect(page.locator("#diff-purpose del").first).to_be_visible()
    page.go_back()

    # A comment on a clause of the version, answered and resolved in place.
    aside = page.locator("#comments-purpose")
    aside.get_by_text("Kommentér punktet").click()
    aside.get_by_label("Din kommentar").fill("Skal vi nævne de unge i måltallene også?")
    aside.get_by_role("button", name="Tilføj kommentaren").click()
    expect(page.locator("#comments-purpose")).to_contain_text("1 åben kommentar")
    page.locator("#comments-purpose").get_by_text("Svar", exact=True).click()
    page.locator("#comments-purpose").get_by_label("Dit svar").fill("Nej, det står i formålet.")
    page.locator("#comments-purpose").get_by_role("button", name="Send svaret").click()
    expect(page.locator("#comments-purpose")).to_contain_text("Nej, det står i formålet.")
    screenshot(page, "24-version-comments")
    page.locator("#comments-purpose").get_by_role("button", name="Markér som løst").click()
    expect(page.locator("#comments-purpose")).to_contain_text("1 løst kommentar")

    # The approval shows the changes against the standard text (nothing is in force yet),
    # who approves and for whom, and takes one more confirmation.
    page.locator(".version-actions").get_by_role("button", name="Godkend version 2").click()
    panel = page.locator("#approval-confirm")
    expect(panel).to_contain_text("Du godkender som")
    expect(panel).to_contain_text("på vegne af Boligforeningen Vestbo")
    # The switched-on clause and the adapted sentence are what is new.
    expect(panel.locator("#diff-statutory")).to_contain_text("Nyt punkt")
    expect(panel.locator("#diff-purpose ins")).to_contain_text("Parterne vil især hjælpe unge")
    screenshot(page, "25-approve-confirm")
    panel.get_by_label("Jeg har læst ændringerne").check()
    panel.get_by_role("button", name="Godkend version 2").click()
    expect(page.locator("#flashes")).to_contain_text("den gældende aftale")
    # The redline: version 2's changes since version 1 as tracked changes in Word, with the
    # clause's comment thread as a Word comment.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Ændringer siden v1 i Word").click()
    download = download_info.value
    assert download.suggested_filename.endswith("ændringer v1-v2.docx")
    with zipfile.ZipFile(download.path()) as package:
        body = package.read("word/document.xml").decode()
        notes = package.read("word/comments.xml").decode()
    assert "<w:ins " in body and "<w:del " in body
    insertions = re.findall(r"<w:ins [^>]*>(.*?)</w:ins>", body, re.S)
    inserted = " ".join(re.sub(r"<[^>]+>", " ", part) for part in insertions)
    assert "hjælpe" in inserted.split() and "beboere" in inserted.split()
    assert "Skal vi nævne de unge i måltallene også?" in notes
    assert "Nej, det står i formålet." in notes and "Formålet skærpet" in notes

    # The older version offers no approval.
    page.goto(page.url.replace("/v2", "/v1"))
    expect(
        page.locator(".version-actions").get_by_role("button", name="Godkend version 1")
    ).to_have_count(0)


def test_the_preview_is_sent_only_the_adapted_wording(page):
    """Each keystroke's preview request carries the adapt box of an adapted clause (with the
    library wording it started from) and no box that still holds the library's words; the
    preview shows the adaptation and every other clause in the library's wording, and saving
    still sends every field."""
    sign_in(page, "bygherre@vestbo.demo")
    open_editor(page)
    bodies = {"preview": [], "save": []}

    def note(request):
        if request.method != "POST":
            return
        if request.url.endswith("/agreement/preview"):
            bodies["preview"].append(request.post_data or "")
        elif request.url.endswith("/agreement/draft"):
            bodies["save"].append(request.post_data or "")

    page.on("request", note)
    purpose = page.locator("#clause-row-purpose")
    purpose.get_by_text("Tilpas ordlyden til denne byggesag").click()
    box = purpose.get_by_role("textbox")
    original = box.input_value()
    first = original.split(". ")[0]
    box.fill(original.replace(first, "Parterne vil især hjælpe unge beboere i job", 1))
    expect(page.locator("#preview #clause-purpose")).to_contain_text("hjælpe unge beboere i job")
    # The clauses nobody adapted are in the preview in the library's wording.
    contacts = page.locator("#override_contacts").input_value()
    expect(page.locator("#preview #clause-contacts")).to_contain_text(contacts.split("\n")[0][:40])

    assert bodies["preview"], "no preview request was seen"
    body = bodies["preview"][-1]
    names = {part.split("=", 1)[0] for part in body.split("&")}
    assert {"override_purpose", "library_purpose"} <= names
    others = {name for name in names if name.startswith(("override_", "library_"))}
    assert others == {"override_purpose", "library_purpose"}, others
    assert "clause=contacts" in body  # every clause is still named, in the drafter's order
    assert len(body) < 8_000, len(body)

    page.get_by_role("button", name="Gem som version 2").click()
    expect(page.locator("#flashes")).to_contain_text("Version 2 er gemt.")
    saved = bodies["save"][-1]
    assert "library_contacts=" in saved and "override_contacts=" in saved
    page.get_by_role("link", name="Se ændringerne").first.click()
    expect(page.locator("#diff-purpose ins")).to_contain_text("Parterne vil især hjælpe unge")
    expect(page.locator("#diff-contacts")).to_have_count(0)
