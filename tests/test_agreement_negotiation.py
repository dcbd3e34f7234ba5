"""Negotiating the agreement on the web: a readable diff, clause by clause; an approval that
shows what is approved and by whom; and who may do what."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import url_for
from sqlalchemy import func, select

from app.agreements import service
from app.agreements.diff import document_diff, inline_diff
from app.audit.models import AuditEvent
from app.extensions import db
from app.models import Phase, Role

HX = {"HX-Request": "true"}


@pytest.fixture
def project(make):
    assoc = make.association("Boligforeningen Vestbo", areas=["Gellerupparken"])
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.TENDER)
    project.areas = list(assoc.areas)
    db.session.commit()
    return project


@pytest.fixture
def drafter(make):
    return make.user(Role.COORDINATOR, name="Karen Koordinator")


@pytest.fixture
def approver(make, project):
    return make.user(Role.CLIENT, project.client, name="Birgitte Bygherre")


def save(project, author, **values):
    """Save the next version with these values changed (and clause tweaks via `_clauses`)."""
    draft = service.draft_for_editing(project)
    clauses = values.pop("_clauses", None)
    draft.values.update(values)
    if clauses:
        draft = replace(draft, clauses=clauses(draft.clauses))
    latest = service.latest_version(project)
    return service.save_version(project, draft, author, latest.number if latest else 0)


def switch(key, enabled=None, override=None):
    def change(clauses):
        return [
            replace(
                c,
                enabled=c.enabled if enabled is None else enabled,
                override=c.override if override is None else override,
            )
            if c.key == key
            else c
            for c in clauses
        ]

    return change


# -- the diff itself ----------------------------------------------------------------------------


def test_a_rewritten_sentence_reads_as_one_deletion_and_one_insertion():
    html, added, removed = inline_diff(
        "Målet er, at skabe lærepladser i området.",
        "TESTÆNDRING: Vi prioriterer at skabe lærepladser i området.",
    )
    # Deleted and inserted words are apart, each run whole, with a space between them.
    assert (
        '<del><span class="visually-hidden">slettet: </span>Målet er,</del> '
        '<ins><span class="visually-hidden">indsat: </span>TESTÆNDRING: Vi prioriterer</ins> '
        "at skabe lærepladser i området."
    ) == str(html)
    assert (added, removed) == (3, 2)


def test_short_words_caught_between_changes_fold_into_the_change():
    html, _added, _removed = inline_diff("en stor og flot bygning", "et lille og grimt hus")
    assert str(html).count("<del>") == 1 and str(html).count("<ins>") == 1
    assert ">en stor og flot bygning</del> <ins>" in str(html)


def test_the_diff_escapes_and_keeps_line_breaks():
    html, added, removed = inline_diff("a <b>\nc", "a <i>\nc")
    assert "&lt;b&gt;</del> <ins>" in str(html) and "\nc" in str(html)
    assert "<b>" not in str(html) and (added, removed) == (1, 1)
    assert inline_diff("a  b\n", "a b\n")[1:] == (0, 0)  # spacing alone is no change


def test_a_clause_switched_on_is_new_and_the_renumbering_is_no_change(app, ctx, project, drafter):
    v1 = save(project, drafter, _clauses=switch("failed_match", enabled=False))
    v2 = save(project, drafter, _clauses=switch("failed_match", enabled=True))
    diff = document_diff(service.stored_document(v1), service.stored_document(v2))
    changed = {c.key: c.status for c in diff.changed}
    assert changed == {"failed_match": "added"}
    after = [c for c in diff.clauses if c.number and c.number > diff.changed[0].number]
    assert after and all(c.renumbered and not c.changed for c in after)
    back = document_diff(service.stored_document(v2), service.stored_document(v1))
    assert {c.key: c.status for c in back.changed} == {"failed_match": "removed"}
    keys = [c.key for c in back.clauses]
    assert keys.index("failed_match") > 0  # where it stood, not at the end
    assert [k for k in keys if k != "failed_match"] == [
        s["key"] for s in v1.content["document"]["sections"]
    ]


# -- the compare page ---------------------------------------------------------------------------


def test_compare_shows_only_the_changed_clauses_and_the_whole_text_on_request(
    client, login, project, drafter
):
    save(project, drafter)
    save(project, drafter, courses_min=11)
    login(drafter)
    url = url_for("agreements.compare", project_id=project.id, **{"from": 1, "to": 2})
    html = client.get(url).get_data(as_text=True)
    assert '<span class="visually-hidden">slettet: </span>8</del>' in html
    assert '<span class="visually-hidden">indsat: </span>11</ins>' in html
    assert html.count('class="diff-clause ') < 4  # the changed clauses only
    assert "Parter og projekt" not in html
    assert "Vis hele teksten" in html
    whole = client.get(url + "&all=1").get_data(as_text=True)
    assert "Parter og projekt" in whole and "Vis kun de ændrede punkter" in whole
    assert whole.count('class="diff-clause ') > 8


def test_one_version_is_compared_with_the_library_text(client, login, project, drafter):
    save(project, drafter, _clauses=switch("purpose", override="Vores helt egen formålstekst."))
    login(drafter)
    response = client.get(url_for("agreements.compare", project_id=project.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ændringer fra bibliotekets standardtekst til v1" in html
    assert "Vores helt egen formålstekst.</ins>" in html


def test_compare_without_versions_goes_back_to_the_overview(client, login, project, drafter):
    login(drafter)
    response = client.get(url_for("agreements.compare", project_id=project.id))
    assert response.status_code == 303


@pytest.mark.parametrize(
    "who, status",
    [
        ("coordinator", 200),
        ("admin", 200),
        ("client", 200),
        ("other_client", 404),
        ("contractor", 403),
        ("anonymous", 302),
    ],
)
def test_compare_per_role(client, login, make, project, drafter, who, status):
    save(project, drafter)
    save(project, drafter, courses_min=11)
    sign_in_as(who, login, make, project)
    response = client.get(url_for("agreements.compare", project_id=project.id, all=1))
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/auth/login")


def sign_in_as(who, login, make, project):
    if who == "anonymous":
        return None
    users = {
        "coordinator": lambda: make.user(Role.COORDINATOR),
        "admin": lambda: make.user(Role.ADMIN),
        "client": lambda: make.user(Role.CLIENT, project.client),
        "other_client": lambda: make.user(Role.CLIENT),
        "contractor": lambda: make.user(Role.CONTRACTOR),
    }
    return login(users[who]())


# -- approval -----------------------------------------------------------------------------------


def confirm_page(client, project, number, **kw):
    return client.get(
        url_for("agreements.confirm_approval", project_id=project.id, number=number), **kw
    )


def approve(client, project, number, **form):
    return client.post(
        url_for("agreements.approve", project_id=project.id, number=number), data=form
    )


def test_the_confirmation_shows_the_changes_who_approves_and_for_whom(
    client, login, project, drafter, approver
):
    save(project, drafter, _clauses=switch("purpose", override="Vores egen formålstekst."))
    login(approver)
    response = confirm_page(client, project, 1)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ingen version er gældende endnu" in html  # compared with the library's text
    assert "Vores egen formålstekst.</ins>" in html
    assert "Du godkender som Birgitte Bygherre på vegne af Boligforeningen Vestbo." in html
    assert 'name="latest" value="1"' in html and 'name="confirm"' in html
    assert service.get_version(project, 1).approved_at is None  # looking approves nothing

    panel = confirm_page(client, project, 1, headers=HX).get_data(as_text=True)
    assert panel.lstrip().startswith('<article class="approval-confirm"') and "<html" not in panel


def test_approval_takes_the_confirmation_and_is_audited(client, login, project, drafter, approver):
    save(project, drafter)
    login(approver)
    refused = approve(client, project, 1, latest="1")
    assert refused.status_code == 422
    assert 'id="confirm-error"' in refused.get_data(as_text=True)
    assert service.get_version(project, 1).approved_at is None

    response = approve(client, project, 1, latest="1", confirm="1")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Godkendt af Birgitte Bygherre" in html
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "approve_agreement"))
    assert event.user_id == approver.id and event.target == f"project:{project.id} agreement:v1"


def test_the_next_approval_compares_with_the_agreement_in_force(
    client, login, project, drafter, approver
):
    v1 = save(project, drafter)
    service.approve(v1, approver)
    save(project, drafter, courses_min=12)
    login(approver)
    html = confirm_page(client, project, 2).get_data(as_text=True)
    assert "fra version 1, den gældende aftale, til version 2" in html
    assert "8</del>" in html and "12</ins>" in html


def test_only_the_latest_version_can_be_approved(client, login, project, drafter, approver):
    save(project, drafter)
    save(project, drafter, courses_min=9)
    login(approver)
    page = client.get(url_for("agreements.version", project_id=project.id, number=1))
    html = page.get_data(as_text=True)
    assert "Godkend version 1" not in html and "Version 2 er nyere" in html
    assert "Godkend version 2" in client.get(
        url_for("agreements.version", project_id=project.id, number=2)
    ).get_data(as_text=True)
    response = confirm_page(client, project, 1)
    assert response.status_code == 409
    assert "Kun den seneste version kan godkendes" in response.get_data(as_text=True)
    response = approve(client, project, 1, latest="1", confirm="1")
    assert response.status_code == 409
    assert "Kun den seneste version kan godkendes" in response.get_data(as_text=True)
    assert service.approved_version(project) is None


def test_a_version_saved_while_confirming_makes_the_approval_a_conflict(
    client, login, project, drafter, approver
):
    save(project, drafter)
    login(approver)
    assert 'name="latest" value="1"' in confirm_page(client, project, 1).get_data(as_text=True)
    save(project, drafter, courses_min=9)  # someone saves v2 meanwhile
    response = approve(client, project, 1, latest="1", confirm="1")
    assert response.status_code == 409
    assert service.approved_version(project) is None
    # A stale token for the latest version is a conflict too.
    assert approve(client, project, 2, latest="1", confirm="1").status_code == 409
    assert approve(client, project, 2, latest="2", confirm="1").status_code == 303


def test_approving_an_approved_version_again_changes_nothing(
    client, login, project, drafter, approver
):
    v1 = save(project, drafter)
    service.approve(v1, approver)
    login(approver)
    assert confirm_page(client, project, 1).status_code == 302
    assert approve(client, project, 1, latest="1", confirm="1").status_code == 303


@pytest.mark.parametrize(
    "who, status",
    [
        ("coordinator", 403),
        ("admin", 403),
        ("client", 200),
        ("other_client", 404),
        ("contractor", 403),
        ("anonymous", 302),
    ],
)
def test_the_confirmation_step_per_role(client, login, make, project, drafter, who, status):
    save(project, drafter)
    sign_in_as(who, login, make, project)
    assert confirm_page(client, project, 1).status_code == status
    posted = approve(client, project, 1, latest="1", confirm="1").status_code
    assert posted == (303 if status == 200 else status)
    assert (service.approved_version(project) is not None) == (status == 200)


def test_the_confirmation_step_costs_a_few_statements(client, login, project, drafter, approver):
    from tests.querycount import measure

    v1 = save(project, drafter)
    service.approve(v1, approver)
    save(project, drafter, courses_min=12)
    login(approver)
    url = url_for("agreements.confirm_approval", project_id=project.id, number=2)
    statements, _response = measure(client, url)
    # The user, the project, the version, the latest, the one in force, the organisation.
    assert len(statements) <= 6, statements
    statements, _response = measure(
        client, url_for("agreements.compare", project_id=project.id, all=1)
    )
    assert len(statements) <= 3, statements


# -- comments per clause ------------------------------------------------------------------------


def comment_url(project, number):
    return url_for("agreements.comment", project_id=project.id, number=number)


def thread_url(project, comment, action):
    return url_for(f"agreements.{action}", project_id=project.id, comment_id=comment.id)


def only_comment():
    from app.agreements.models import ClauseComment

    return db.session.scalars(select(ClauseComment).order_by(ClauseComment.id)).all()


def test_a_client_comments_a_coordinator_answers_and_resolves(
    client, login, project, drafter, approver
):
    save(project, drafter)
    login(approver)
    response = client.post(
        comment_url(project, 1), data={"clause": "purpose", "body": "Kan vi sige\x07 det kortere?"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agreement/v1#comments-purpose")
    (thread,) = only_comment()
    assert thread.body == "Kan vi sige det kortere?"  # the control character is dropped
    assert (thread.clause_key, thread.author_id, thread.parent_id) == ("purpose", approver.id, None)

    login(drafter)
    page = client.get(url_for("agreements.version", project_id=project.id, number=1))
    html = page.get_data(as_text=True)
    aside = html.split('id="comments-purpose"')[1].split("</aside>")[0]
    assert "1 åben kommentar" in aside and "Kan vi sige det kortere?" in aside
    assert "Birgitte Bygherre" in aside
    answered = client.post(
        thread_url(project, thread, "reply"), data={"body": "Ja, se v2.", "on": "1"}, headers=HX
    )
    assert answered.status_code == 200
    fragment = answered.get_data(as_text=True)
    assert fragment.lstrip().startswith('<aside class="clause-comments" id="comments-purpose"')
    assert "Ja, se v2." in fragment and "Karen Koordinator" in fragment
    resolved = client.post(thread_url(project, thread, "resolve"), data={"on": "1"}, headers=HX)
    assert resolved.status_code == 200
    assert "Løst af Karen Koordinator" in resolved.get_data(as_text=True)
    assert "åben kommentar" not in resolved.get_data(as_text=True)
    reopened = client.post(thread_url(project, thread, "reopen"), data={"on": "1"})
    assert reopened.status_code == 303
    db.session.refresh(thread)
    assert thread.resolved_at is None


def test_an_empty_comment_is_refused_beside_the_field(client, login, project, drafter):
    save(project, drafter)
    login(drafter)
    response = client.post(comment_url(project, 1), data={"clause": "purpose", "body": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="comment-body-purpose-error"' in html and "Skriv en kommentar." in html
    fragment = client.post(
        comment_url(project, 1), data={"clause": "purpose", "body": ""}, headers=HX
    )
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)
    too_long = client.post(comment_url(project, 1), data={"clause": "purpose", "body": "x" * 4001})
    assert too_long.status_code == 422
    unknown = client.post(comment_url(project, 1), data={"clause": "nope", "body": "Hej"})
    assert unknown.status_code == 400
    assert only_comment() == []


def test_resolving_a_thread_someone_resolved_meanwhile_is_a_conflict(
    client, login, project, drafter, approver
):
    save(project, drafter)
    login(approver)
    client.post(comment_url(project, 1), data={"clause": "purpose", "body": "Spørgsmål"})
    (thread,) = only_comment()
    assert client.post(thread_url(project, thread, "resolve")).status_code == 303
    again = client.post(thread_url(project, thread, "resolve"), headers=HX)
    assert again.status_code == 409
    assert "En anden har markeret kommentaren som løst" in again.get_data(as_text=True)
    assert client.post(thread_url(project, thread, "reopen")).status_code == 303
    assert client.post(thread_url(project, thread, "reopen")).status_code == 409


def test_open_threads_follow_the_agreement_and_count_on_the_project(
    client, login, project, drafter, approver
):
    v1 = save(project, drafter)
    login(approver)
    client.post(comment_url(project, 1), data={"clause": "purpose", "body": "Åben tråd"})
    client.post(comment_url(project, 1), data={"clause": "targets", "body": "Løst tråd"})
    _open, done = only_comment()
    client.post(thread_url(project, done, "resolve"))
    save(project, drafter, courses_min=9)
    html = client.get(url_for("agreements.version", project_id=project.id, number=2)).get_data(
        as_text=True
    )
    assert "Åben tråd" in html and "Skrevet til version 1" in html
    assert "Løst tråd" not in html  # resolved on v1: it stays with v1
    page = client.get(url_for("projects.detail", project_id=project.id)).get_data(as_text=True)
    assert 'id="open-comments">1 åben kommentar' in page

    from app.agreements.comments import comments_for_redline

    threads = comments_for_redline(db.session, service.get_version(project, 2))
    assert [(t.clause_key, t.author, t.body, t.version_number) for t in threads] == [
        ("purpose", "Birgitte Bygherre", "Åben tråd", 1)
    ]
    on_v1 = comments_for_redline(db.session, v1)
    assert [(t.body, t.resolved) for t in on_v1] == [("Åben tråd", False), ("Løst tråd", True)]


def test_contractors_never_see_comments(client, login, make, project, drafter, approver):
    firm = make.company()
    project.phase = Phase.AWARDED
    from app.models import ProjectCompany

    db.session.add(ProjectCompany(project_id=project.id, company_id=firm.id, role="main"))
    db.session.commit()
    v1 = save(project, drafter)
    login(approver)
    client.post(
        comment_url(project, 1),
        data={"clause": "purpose", "body": "Hemmelig drøftelse"},
        headers=HX,  # no flash left waiting in the session
    )
    service.approve(v1, approver)
    login(make.user(Role.CONTRACTOR, firm))
    for url in (
        url_for("agreements.version", project_id=project.id, number=1),
        url_for("projects.detail", project_id=project.id),
    ):
        html = client.get(url).get_data(as_text=True)
        assert "Hemmelig drøftelse" not in html and "kommentar" not in html.lower(), url
    (thread,) = only_comment()
    assert (
        client.post(comment_url(project, 1), data={"clause": "purpose", "body": "x"}).status_code
        == 403
    )
    for action in ("reply", "resolve", "reopen"):
        assert (
            client.post(thread_url(project, thread, action), data={"body": "x"}).status_code == 403
        )


@pytest.mark.parametrize(
    "who, status",
    [
        ("coordinator", 303),
        ("admin", 303),
        ("client", 303),
        ("other_client", 404),
        ("contractor", 403),
        ("anonymous", 302),
    ],
)
def test_comment_routes_per_role(client, login, make, project, drafter, who, status):
    save(project, drafter)
    from app.agreements import comments

    thread = comments.add(db.session, service.get_version(project, 1), "purpose", drafter, "Tråd")
    db.session.commit()
    sign_in_as(who, login, make, project)
    posts = [
        (comment_url(project, 1), {"clause": "purpose", "body": "Ny"}),
        (thread_url(project, thread, "reply"), {"body": "Svar"}),
        (thread_url(project, thread, "resolve"), {}),
        (thread_url(project, thread, "reopen"), {}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == status, url
        if status == 302:
            assert response.headers["Location"].startswith("/auth/login")
    expected = 3 if status == 303 else 1
    assert len(only_comment()) == expected


def test_a_comment_of_another_project_is_not_found_under_mine(
    client, login, make, project, drafter
):
    save(project, drafter)
    other = make.project()
    save(other, drafter)
    from app.agreements import comments

    theirs = comments.add(db.session, service.get_version(other, 1), "purpose", drafter, "Deres")
    db.session.commit()
    login(drafter)
    url = url_for("agreements.resolve", project_id=project.id, comment_id=theirs.id)
    assert client.post(url).status_code == 404


def test_the_version_page_with_comments_costs_a_few_statements(
    client, login, project, drafter, approver
):
    from tests.querycount import measure

    save(project, drafter)
    login(approver)
    for key in ("purpose", "targets", "parties"):
        client.post(comment_url(project, 1), data={"clause": key, "body": "Tråd"})
    for thread in only_comment():
        client.post(thread_url(project, thread, "reply"), data={"body": "Svar"})
    statements, _response = measure(
        client, url_for("agreements.version", project_id=project.id, number=1)
    )
    assert len(statements) <= 6, statements


def test_the_migration_goes_down_and_up(tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, inspect

    from app import create_app

    url = f"sqlite:///{tmp_path / 'comments.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    engine = create_engine(url)
    with app.app_context():
        upgrade()
        assert {"clause_comments", "draft_working_copies"} <= set(inspect(engine).get_table_names())
        downgrade(revision="f7f10815730d")
        tables = set(inspect(engine).get_table_names())
        assert "clause_comments" not in tables and "draft_working_copies" not in tables
        upgrade()
        assert "clause_comments" in set(inspect(create_engine(url)).get_table_names())
        db.engine.dispose()
    engine.dispose()


# -- drafting never loses work ------------------------------------------------------------------


def draft_url(project):
    return url_for("agreements.draft", project_id=project.id)


def editor(client, project, **changes) -> dict:
    from tests.forms import read_form

    data = read_form(client.get(draft_url(project)).get_data(as_text=True), "editor")
    data.update(changes)
    return data


def autosave(client, project, data, headers=HX):
    return client.post(
        url_for("agreements.autosave", project_id=project.id), data=data, headers=headers
    )


def test_the_editor_is_kept_as_a_working_copy_and_restored(client, login, make, project, drafter):
    from app.agreements.models import AgreementVersion

    save(project, drafter)
    login(drafter)
    typed = editor(client, project, v_coordinator_contact="Halvfærdig tekst", note="Mit udkast")
    response = autosave(client, project, typed)
    assert response.status_code == 200
    status = response.get_data(as_text=True)
    assert status.lstrip().startswith('<p id="autosave-status"')
    assert "Arbejdskopien er gemt" in status and "ikke en ny version" in status
    assert db.session.scalar(select(func.count(AgreementVersion.id))) == 1  # not a version

    html = client.get(draft_url(project)).get_data(as_text=True)
    assert 'id="restored"' in html and "Din arbejdskopi fra" in html and "er gendannet" in html
    assert 'value="Halvfærdig tekst"' in html and 'value="Mit udkast"' in html
    assert "Kassér arbejdskopien" in html

    # Another drafter has their own working copy, not mine.
    login(make.user(Role.COORDINATOR))
    assert "Halvfærdig tekst" not in client.get(draft_url(project)).get_data(as_text=True)

    login(drafter)
    discarded = client.post(url_for("agreements.discard", project_id=project.id))
    assert discarded.status_code == 303
    html = client.get(draft_url(project)).get_data(as_text=True)
    assert 'id="restored"' not in html and "Halvfærdig tekst" not in html
    assert "Din arbejdskopi er kasseret." in html


def test_saving_a_version_ends_the_working_copy(client, login, project, drafter):
    from app.agreements.models import DraftWorkingCopy

    save(project, drafter)
    login(drafter)
    typed = editor(client, project, v_courses_min="12")
    autosave(client, project, typed)
    assert db.session.scalar(select(func.count(DraftWorkingCopy.id))) == 1
    assert client.post(draft_url(project), data={**typed, "save": "1"}).status_code == 303
    assert db.session.scalar(select(func.count(DraftWorkingCopy.id))) == 0
    assert service.latest_version(project).courses_min == 12


def test_the_drafter_sees_when_someone_saves_a_newer_version_while_typing(
    client, login, make, project, drafter
):
    save(project, drafter)
    login(drafter)
    typed = editor(client, project, v_courses_min="12")
    save(project, make.user(Role.CLIENT, project.client, name="Birgitte Bygherre"))
    status = autosave(client, project, typed).get_data(as_text=True)
    assert "Birgitte Bygherre gemte version 2" in status and "mens du skrev" in status
    html = client.get(draft_url(project)).get_data(as_text=True)
    assert "Version 2 er gemt, siden du begyndte på arbejdskopien" in html
    assert 'name="base_number" value="1"' in html  # so saving is still a conflict
    assert client.post(draft_url(project), data={**typed, "save": "1"}).status_code == 409


def test_autosave_without_htmx_goes_back_to_the_editor(client, login, project, drafter):
    login(drafter)
    response = autosave(client, project, {"v_courses_min": "3"}, headers={})
    assert response.status_code == 303 and service.working_copy(project, drafter) is None


def test_the_adapt_box_starts_with_the_library_text_and_unchanged_is_no_adaptation(
    client, login, project, drafter
):
    login(drafter)
    html = client.get(draft_url(project)).get_data(as_text=True)
    box = html.split('id="override_purpose"')[1].split("</textarea>")[0]
    assert "Gellerupparken" in box and "{{" not in box  # the library's words, filled in
    data = editor(client, project)
    # The browser posts the box as it was filled in (with CRLF line breaks): no adaptation.
    data["override_purpose"] = data["override_purpose"].replace("\n", "\r\n") + "  "
    assert client.post(draft_url(project), data={**data, "save": "1"}).status_code == 303
    v1 = service.latest_version(project)
    assert all(c["override"] is None for c in v1.content["clauses"])
    assert "Tilpasset" not in client.get(draft_url(project)).get_data(as_text=True)

    # Changing one sentence changes one sentence: the rest of the clause stays as it was.
    data = editor(client, project)
    original = data["override_purpose"]
    first_sentence = original.split(". ")[0]
    data["override_purpose"] = original.replace(first_sentence, "Vi vil noget helt andet", 1)
    assert client.post(draft_url(project), data={**data, "save": "1"}).status_code == 303
    v2 = service.latest_version(project)
    (adapted,) = [c for c in v2.content["clauses"] if c["override"]]
    assert adapted["key"] == "purpose" and "Vi vil noget helt andet" in v2.text
    assert original.split(". ", 1)[1][:40] in v2.text


def test_back_to_the_library_text_empties_the_adaptation(client, login, project, drafter):
    login(drafter)
    data = editor(client, project, override_purpose="Vores egen tekst.")
    response = client.post(draft_url(project), data={**data, "reset": "purpose"}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    box = html.split('id="override_purpose"')[1].split("</textarea>")[0]
    assert "Vores egen tekst." not in box and "Gellerupparken" in box
    row = html.split('id="clause-row-purpose"')[1].split("</li>")[0]
    assert "Tilpasset" not in row
    assert 'hx-swap-oob="true"' in html  # and the preview follows


def test_open_comments_show_beside_the_clause_in_the_editor(
    client, login, project, drafter, approver
):
    save(project, drafter)
    login(approver)
    client.post(comment_url(project, 1), data={"clause": "purpose", "body": "Kortere, tak"})
    login(drafter)
    html = client.get(draft_url(project)).get_data(as_text=True)
    row = html.split('id="clause-row-purpose"')[1].split("</li>")[0]
    assert "1 åben kommentar" in row and "Kortere, tak" in row
    assert "/agreement/v1#comments-purpose" in row


@pytest.mark.parametrize(
    "who, autosaved, discarded",
    [
        ("coordinator", 200, 303),
        ("admin", 200, 303),
        ("client", 200, 303),
        ("other_client", 404, 404),
        ("contractor", 403, 403),
        ("anonymous", 302, 302),
    ],
)
def test_working_copy_routes_per_role(
    client, login, make, project, drafter, who, autosaved, discarded
):
    save(project, drafter)
    user = sign_in_as(who, login, make, project)
    assert autosave(client, project, {"v_courses_min": "3"}).status_code == autosaved
    if user is not None:
        kept = service.working_copy(project, user)
        assert (kept is not None) == (autosaved == 200)
    url = url_for("agreements.discard", project_id=project.id)
    assert client.post(url).status_code == discarded


def test_the_editor_with_a_working_copy_and_comments_costs_a_few_statements(
    client, login, project, drafter
):
    from tests.querycount import measure

    save(project, drafter)
    login(drafter)
    client.post(comment_url(project, 1), data={"clause": "purpose", "body": "Tråd"})
    autosave(client, project, editor(client, project, v_courses_min="12"))
    statements, response = measure(client, draft_url(project))
    assert "er gendannet" in response.get_data(as_text=True)
    assert len(statements) <= 6, statements


def test_an_old_version_in_the_htmx_panel_says_why_it_cannot_be_approved(
    client, login, project, drafter, approver
):
    save(project, drafter)
    save(project, drafter, courses_min=9)
    login(approver)
    response = confirm_page(client, project, 1, headers=HX)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="approval-stale"' in html
    assert "Kun den seneste version kan godkendes" in html


def test_a_working_copy_deleted_by_a_save_as_it_is_kept_still_answers(
    client, login, project, drafter
):
    """The editor's autosave and its save of a version can run at the same moment: the save
    deletes the working copy right after the autosave wrote it. The autosave still answers
    when the copy was kept (it does not read the row again), and no copy is left over."""
    from sqlalchemy import delete, event

    from app.agreements.models import DraftWorkingCopy

    save(project, drafter)
    login(drafter)

    def saved_elsewhere(session):
        with db.engine.begin() as other:  # the save's own connection and transaction
            other.execute(delete(DraftWorkingCopy).where(DraftWorkingCopy.user_id == drafter.id))

    event.listen(db.session, "after_commit", saved_elsewhere, once=True)
    try:
        response = autosave(client, project, {"base_number": "1", "v_courses_min": "3"})
    finally:
        if event.contains(db.session, "after_commit", saved_elsewhere):
            event.remove(db.session, "after_commit", saved_elsewhere)
    assert response.status_code == 200
    assert "Arbejdskopien er gemt" in response.get_data(as_text=True)
    assert service.working_copy(project, drafter) is None


def test_a_working_copy_deleted_before_the_autosave_writes_it_answers_without_one(
    client, login, project, drafter, monkeypatch
):
    """The other order: the save (or a discard) deletes the working copy after the autosave
    has read it and before it writes it. The autosave's UPDATE then finds no row: it answers
    200 without claiming a kept copy, and does not bring the deleted copy back."""
    from sqlalchemy import delete

    from app.agreements.models import DraftWorkingCopy

    save(project, drafter)
    login(drafter)
    assert autosave(client, project, {"base_number": "1", "v_courses_min": "3"}).status_code == 200
    assert service.working_copy(project, drafter) is not None
    read = service.working_copy

    def read_then_deleted_elsewhere(project_, user):
        copy = read(project_, user)
        with db.engine.begin() as other:  # the save's own connection and transaction
            other.execute(delete(DraftWorkingCopy).where(DraftWorkingCopy.user_id == user.id))
        return copy

    monkeypatch.setattr(service, "working_copy", read_then_deleted_elsewhere)
    response = autosave(client, project, {"base_number": "1", "v_courses_min": "4"})
    monkeypatch.undo()
    assert response.status_code == 200
    assert "Arbejdskopien er gemt" not in response.get_data(as_text=True)
    assert service.working_copy(project, drafter) is None
