"""Drafting the agreement in the browser's forms: preview, versions, conflicts, approval,
downloads, and who may do what."""

import io
import logging
import re
import shutil
from dataclasses import replace

import docx
import pytest
from sqlalchemy import func, select

from app import create_app
from app.agreements import service
from app.agreements.library import DEFAULT_DIR
from app.agreements.models import AgreementVersion, SavedVersionIsFrozen
from app.extensions import db
from app.models import Phase, Role
from tests.forms import read_form
from tests.querycount import measure

HX = {"HX-Request": "true"}


@pytest.fixture
def project(make):
    assoc = make.association("Boligforeningen Vestbo", areas=["Gellerupparken", "Toveshøj"])
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.TENDER)
    project.areas = list(assoc.areas)
    db.session.commit()
    return project


def editor_form(client, project, **changes) -> dict:
    """The editor's fields as the browser would post them, read from the editor page."""
    html = client.get(f"/projects/{project.id}/agreement/draft").get_data(as_text=True)
    data = read_form(html, "editor")
    data.pop("csrf_token", None)
    data.update(changes)
    return data


def test_the_editor_is_prefilled_from_the_project(client, project, coordinator):
    response = client.get(f"/projects/{project.id}/agreement/draft")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Helhedsplan Gellerup"' in html
    assert read_form(html, "editor")["v_housing_areas"] == "Gellerupparken\nToveshøj"
    assert 'id="preview"' in html and "mindst 8" in html  # the handbook example by default


def test_preview_follows_the_typing(client, project, coordinator):
    form = editor_form(client, project, v_apprenticeships_min="3", v_courses_min="12")
    response = client.post(f"/projects/{project.id}/agreement/preview", data=form, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<aside id="preview"')
    assert "mindst 12 beskæftigelsesforløb" in html and "mindst 3 lærepladser" in html


def test_preview_explains_what_blocks_it(client, project, coordinator):
    form = editor_form(client, project, v_apprenticeships_min="5", v_courses_min="2")
    html = client.post(f"/projects/{project.id}/agreement/preview", data=form, headers=HX).get_data(
        as_text=True
    )
    assert "kan ikke være lavere end målet for lærepladser" in html


def test_save_creates_numbered_versions_with_targets_as_data(client, project, coordinator):
    response = client.post(
        f"/projects/{project.id}/agreement/draft", data=editor_form(client, project)
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/projects/{project.id}/agreement/v1"
    form = editor_form(client, project, v_courses_min="10", note="Flere forløb")
    assert form["base_number"] == "1"
    assert client.post(f"/projects/{project.id}/agreement/draft", data=form).status_code == 303
    versions = db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.number)).all()
    assert [(v.number, v.courses_min, v.apprenticeships_min) for v in versions] == [
        (1, 8, 2),
        (2, 10, 2),
    ]
    assert versions[1].note == "Flere forløb" and versions[1].author.name == "Karen Koordinator"
    html = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    assert "v1" in html and "v2" in html and "Flere forløb" in html


def test_invalid_values_answer_422_beside_the_field_and_save_nothing(client, project, coordinator):
    form = editor_form(
        client, project, v_courses_min="1", v_apprenticeships_min="-2", v_project_name="Ok\x07"
    )
    response = client.post(f"/projects/{project.id}/agreement/draft", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="v_apprenticeships_min-error"' in html
    assert 'id="v_project_name-error"' in html
    assert "Word" in html  # the control character is something Word cannot hold
    assert db.session.scalar(select(func.count(AgreementVersion.id))) == 0


def test_a_second_save_on_the_same_version_gets_a_conflict_and_keeps_its_text(
    client, project, coordinator
):
    first = editor_form(client, project)
    second = editor_form(client, project, v_coordinator_contact="Min egen tekst")
    assert client.post(f"/projects/{project.id}/agreement/draft", data=first).status_code == 303
    response = client.post(f"/projects/{project.id}/agreement/draft", data=second)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "har Karen Koordinator gemt version 1" in html
    assert 'value="Min egen tekst"' in html
    assert 'name="base_number" value="1"' in html  # saving again now is a deliberate choice
    assert db.session.scalar(select(func.count(AgreementVersion.id))) == 1
    second["base_number"] = "1"
    assert client.post(f"/projects/{project.id}/agreement/draft", data=second).status_code == 303


def test_clauses_can_be_switched_off_and_moved(client, project, coordinator):
    form = editor_form(client, project)
    order = form["clause"]
    optional = "failed_match"
    assert optional in order
    form.pop(f"on_{optional}", None)
    moved = client.post(
        f"/projects/{project.id}/agreement/draft",
        data={**form, "move": "legal_basis:up"},
        headers=HX,
    )
    assert moved.status_code == 200
    html = moved.get_data(as_text=True)
    new_order = re.findall(r'name="clause" value="([^"]+)"', html)
    assert new_order[:2] == ["legal_basis", "parties"]
    assert 'hx-swap-oob="true"' in html  # the preview follows, out of band
    assert html.index("1. Aftalens grundlag") < html.index("2. Parter og projekt")
    form["clause"] = new_order
    client.post(f"/projects/{project.id}/agreement/draft", data=form)
    version = db.session.scalar(select(AgreementVersion))
    text = version.text
    assert text.index("Aftalens grundlag") < text.index("Parter og projekt")
    enabled = [c["key"] for c in version.content["clauses"] if c["enabled"]]
    assert optional not in enabled


def test_a_required_clause_cannot_be_switched_off(client, project, coordinator):
    form = editor_form(client, project)
    form.pop("on_targets")
    response = client.post(f"/projects/{project.id}/agreement/draft", data=form)
    assert response.status_code == 422
    assert "kan ikke slås fra" in response.get_data(as_text=True)


def test_overridden_wording_is_used_literally_and_the_library_wording_stays_visible(
    client, project, coordinator
):
    hostile = "Vi skriver 7*7 og <w:p>&amp; ]]> selv, [[ raw ]] 🏗️ عربي"
    form = editor_form(client, project, override_purpose=hostile)
    response = client.post(f"/projects/{project.id}/agreement/draft", data=form)
    assert response.status_code == 303
    version = db.session.scalar(select(AgreementVersion))
    assert hostile in version.text
    page = client.get(f"/projects/{project.id}/agreement/draft").get_data(as_text=True)
    assert "Tilpasset" in page
    assert "&lt;w:p&gt;&amp;amp; ]]&gt;" in page  # escaped in the HTML, literal on screen
    # Beside the override, the library's wording of the same clause, filled in with the values.
    row = page.split('id="clause-row-purpose"')[1]
    library_text = row.split('class="library-text">')[1].split("</pre>")[0]
    assert "Gellerupparken" in library_text and "{{" not in library_text
    data = client.get(f"/projects/{project.id}/agreement/v1.docx").data
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert hostile in body


def test_an_override_with_an_unknown_placeholder_is_refused_beside_the_field(
    client, project, coordinator
):
    form = editor_form(client, project, override_purpose="Vi mødes {{ ugedag }}.")
    response = client.post(f"/projects/{project.id}/agreement/draft", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="override_purpose-error"')[1].split("</small>")[0]
    assert "Tuborgklammer kan kun indsætte en værdi" in error and "project_name" in error
    assert db.session.scalar(select(AgreementVersion)) is None
    assert "Vi mødes {{ ugedag }}." in html  # the text is kept in the field

    form = editor_form(client, project, override_purpose="Aftalen om {{ project_name }}.")
    assert client.post(f"/projects/{project.id}/agreement/draft", data=form).status_code == 303
    data = client.get(f"/projects/{project.id}/agreement/v1.docx").data
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert f"Aftalen om {project.name}." in body and "{{" not in body


def test_a_saved_version_keeps_its_words_when_the_library_changes(client, project, coordinator):
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    version = db.session.scalar(select(AgreementVersion))
    before = client.get(f"/projects/{project.id}/agreement/v1.txt").get_data(as_text=True)
    library = service.library()
    purpose = library.get("purpose")
    library.clauses[library.clauses.index(purpose)] = replace(
        purpose, template=library.compile("Helt ny tekst.")
    )
    try:
        assert (
            client.get(f"/projects/{project.id}/agreement/v1.txt").get_data(as_text=True) == before
        )
        assert "Helt ny tekst." not in before and before.endswith(version.text)
    finally:
        library.clauses[library.clauses.index(library.get("purpose"))] = purpose


def test_compare_marks_additions_and_deletions(client, project, coordinator):
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    client.post(
        f"/projects/{project.id}/agreement/draft",
        data=editor_form(client, project, v_courses_min="11"),
    )
    html = client.get(f"/projects/{project.id}/agreement/compare?from=1&to=2").get_data(
        as_text=True
    )
    assert "slettet: </span>8</del>" in html and "indsat: </span>11</ins>" in html


def test_client_approves_and_an_approved_version_is_frozen(client, make, login, project):
    login(make.user(Role.COORDINATOR))
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    coordinator_try = client.post(f"/projects/{project.id}/agreement/v1/approve")
    assert coordinator_try.status_code == 403
    login(make.user(Role.CLIENT, project.client, name="Birgitte Bygherre"))
    response = client.post(
        f"/projects/{project.id}/agreement/v1/approve", data={"latest": "1", "confirm": "1"}
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Godkendt af Birgitte Bygherre" in html
    # The client may also draft; a further save is a new version, v1 stays as approved.
    form = editor_form(client, project, v_courses_min="9")
    assert client.post(f"/projects/{project.id}/agreement/draft", data=form).status_code == 303
    approved = service.approved_version(project)
    assert (approved.number, approved.courses_min) == (1, 8)
    assert service.latest_version(project).number == 2


def test_word_download_is_a_real_document_with_a_good_name(client, project, coordinator):
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    response = client.get(f"/projects/{project.id}/agreement/v1.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    disposition = response.headers["Content-Disposition"]
    assert (
        "filename*=UTF-8''Partnerskabsaftale%20-%20Helhedsplan%20Gellerup%20-%20v1.docx"
        in disposition
    )
    document = docx.Document(io.BytesIO(response.data))
    assert document.core_properties.title
    assert "Helhedsplan Gellerup" in document.sections[0].header.paragraphs[0].text
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Parter og projekt" in headings
    text = client.get(f"/projects/{project.id}/agreement/v1.txt")
    assert text.mimetype == "text/plain" and "Parter og projekt" in text.get_data(as_text=True)


def test_a_kept_word_file_follows_every_name_it_shows(client, make, login, project, coordinator):
    """The Word file of a saved version is built once per worker and handed out again without
    reading the version's words, until a name it shows changes or the version is approved."""
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    url = f"/projects/{project.id}/agreement/v1.docx"

    def download():
        data = client.get(url).data
        return data, docx.Document(io.BytesIO(data))

    def header(document) -> str:
        return "\n".join(p.text for p in document.sections[0].header.paragraphs)

    first, document = download()
    assert document.core_properties.author == "Karen Koordinator"
    assert client.get(url).data == first

    coordinator.name = "Karen Nyt-Navn"
    db.session.commit()
    _, document = download()
    assert document.core_properties.author == "Karen Nyt-Navn"

    project.name = "Helhedsplan Gellerup Nord"
    db.session.commit()
    _, document = download()
    assert "Helhedsplan Gellerup Nord" in document.core_properties.keywords
    assert "UDKAST" in header(document)

    birgitte = make.user(Role.CLIENT, project.client, name="Birgitte Bygherre")
    login(birgitte)
    form = {"latest": "1", "confirm": "1"}
    assert client.post(f"/projects/{project.id}/agreement/v1/approve", data=form).status_code == 303
    _, document = download()
    assert "UDKAST" not in header(document)
    assert "Birgitte Bygherre, Boligforeningen Vestbo" in header(document)

    project.client.name = "Boligforeningen Vestbo-Syd"
    db.session.commit()
    approved, document = download()
    assert "Birgitte Bygherre, Boligforeningen Vestbo-Syd" in header(document)
    seen, response = measure(client, url)  # kept again, from a fresh session
    assert response.data == approved
    assert not any("content" in sql for sql in seen.sql)  # the words were not read


def test_a_saved_version_cannot_change_its_words(make, project):
    author = make.user(Role.COORDINATOR)
    version = service.save_version(project, service.draft_for_editing(project), author, 0)
    version.content = {**version.content, "document": {}}
    with pytest.raises(SavedVersionIsFrozen, match="cannot change: content"):
        db.session.commit()
    db.session.rollback()
    version.number = 7
    with pytest.raises(SavedVersionIsFrozen, match="cannot change: number"):
        db.session.commit()
    db.session.rollback()
    version.note = "A note may change."
    db.session.commit()


def test_contractors_see_only_the_approved_agreement(client, make, login, project):
    firm = make.company()
    project.phase = Phase.AWARDED
    db.session.commit()
    from app.models import ProjectCompany

    db.session.add(ProjectCompany(project_id=project.id, company_id=firm.id, role="main"))
    db.session.commit()
    login(make.user(Role.COORDINATOR))
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    service.approve(service.get_version(project, 1), make.user(Role.CLIENT, project.client))

    login(make.user(Role.CONTRACTOR, firm))
    assert client.get(f"/projects/{project.id}/agreement").status_code == 200
    assert client.get(f"/projects/{project.id}/agreement/v1").status_code == 200
    assert client.get(f"/projects/{project.id}/agreement/v1.docx").status_code == 200
    for url in (
        f"/projects/{project.id}/agreement/v2",
        f"/projects/{project.id}/agreement/v2.docx",
    ):
        assert client.get(url).status_code == 404
    assert client.get(f"/projects/{project.id}/agreement/draft").status_code == 403
    assert client.post(f"/projects/{project.id}/agreement/preview", data={}).status_code == 403
    assert client.get(f"/projects/{project.id}/agreement/compare").status_code == 403


def test_other_associations_and_companies_get_404(client, make, login, project):
    login(make.user(Role.COORDINATOR))
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    for user in (make.user(Role.CLIENT), make.user(Role.CONTRACTOR)):
        login(user)
        for url in ("", "/v1", "/v1.docx", "/v1.txt"):
            assert client.get(f"/projects/{project.id}/agreement{url}").status_code == 404, url
        # Drafting is refused alike for another's project and a missing one.
        draft = client.get(f"/projects/{project.id}/agreement/draft").status_code
        assert draft == client.get("/projects/999999/agreement/draft").status_code
        assert draft in (403, 404)
        assert client.post(f"/projects/{project.id}/agreement/v1/approve").status_code in (403, 404)


def test_cli_renders_one_or_all_agreements(runner, client, project, coordinator, tmp_path):
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    out = tmp_path / "aftale.docx"
    result = runner.invoke(
        args=["agreements", "render", "--project", str(project.id), "--output", str(out)]
    )
    assert result.exit_code != 0 and "--draft" in result.output  # nothing approved yet
    result = runner.invoke(
        args=["agreements", "render", "--project", str(project.id), "--output", str(out), "--draft"]
    )
    assert result.exit_code == 0, result.output
    assert docx.Document(str(out)).paragraphs
    result = runner.invoke(
        args=["agreements", "render", "--all", "--output-dir", str(tmp_path), "--draft"]
    )
    assert "1 agreement(s) written." in result.output
    assert (tmp_path / "Partnerskabsaftale - Helhedsplan Gellerup - v1.docx").exists()


def test_a_broken_clause_file_is_reported_at_start_up_and_the_app_runs(app, tmp_path, caplog):
    library = tmp_path / "agreement_templates"
    shutil.copytree(DEFAULT_DIR, library)
    broken = library / "clauses" / "990_broken.clause"
    broken.write_text(
        '+++\nkey = "broken"\ntitle = "X"\ntitle_en = "X"\norder = 990\nrequired = false\n'
        'default_enabled = true\nvariables = []\nhelp = "x"\nhelp_en = "x"\n+++\n'
        "Første linje\n{{ ukendt_variabel }}\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        broken_app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "AGREEMENT_LIBRARY": library,
            }
        )
    assert any("990_broken.clause:13" in r.getMessage() for r in caplog.records)
    assert broken_app.test_client().get("/healthz").status_code == 200
    with broken_app.app_context():
        db.engine.dispose()


def draft_links(client, project) -> list[str]:
    """The texts of the overview's links to the draft page, as a user reads them."""
    html = client.get(f"/projects/{project.id}/agreement").get_data(as_text=True)
    href = re.escape(f"/projects/{project.id}/agreement/draft")
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()
        for text in re.findall(rf'<a[^>]*href="{href}"[^>]*>(.*?)</a>', html, re.S)
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.CLIENT, Role.CONTRACTOR])
def test_an_approved_latest_version_offers_a_new_version_not_the_draft(
    client, make, login, project, role
):
    """Before anything is saved the drafter starts drafting; while the latest version is a
    draft they edit it; once the latest version is approved there is no draft to edit, so
    the same page is offered as a new version. Contractors draft nothing and see neither."""
    firm = make.company()
    project.phase = Phase.AWARDED
    db.session.commit()
    from app.models import ProjectCompany

    db.session.add(ProjectCompany(project_id=project.id, company_id=firm.id, role="main"))
    db.session.commit()
    owner = {Role.CLIENT: project.client, Role.CONTRACTOR: firm}.get(role)
    user = make.user(role, owner) if owner else make.user(role)
    coordinator = make.user(Role.COORDINATOR)
    drafter = role != Role.CONTRACTOR

    login(user)
    assert draft_links(client, project) == (["Begynd at skrive"] if drafter else [])
    login(coordinator)
    client.post(f"/projects/{project.id}/agreement/draft", data=editor_form(client, project))
    login(user)
    assert draft_links(client, project) == (["Rediger kladden"] if drafter else [])

    service.approve(service.get_version(project, 1), make.user(Role.CLIENT, project.client))
    login(user)
    links = draft_links(client, project)
    assert "Rediger kladden" not in links
    assert links == (["Ny version"] if drafter else [])
    if drafter:  # the link still leads to the editor, which saves version 2
        assert client.get(f"/projects/{project.id}/agreement/draft").status_code == 200


def test_anonymous_visitors_see_no_agreement_links(client, project):
    response = client.get(f"/projects/{project.id}/agreement")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
