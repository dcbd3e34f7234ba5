"""Comments per clause: start a thread on a clause of a version, answer it, resolve and reopen
it. htmx swaps the clause's comments in place; without JavaScript each form posts and comes
back to the version page at the clause. Contractors never reach these routes."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.access import roles
from app.agreements import comments, service
from app.agreements.blueprint import bp
from app.agreements.document_model import head_html, section_html
from app.agreements.models import ClauseComment
from app.agreements.views import DRAFTERS, _draftable_project, _int
from app.extensions import db
from app.web import wants_fragment


def _page_number(version) -> int:
    """The version page the form was on (its threads are shown as that page shows them)."""
    return _int(request.form.get("on")) or version.number


def _thread(project, comment_id: int) -> ClauseComment:
    comment = db.session.get(ClauseComment, comment_id)
    if comment is None or comment.project_id != project.id:
        abort(404)
    return comment


def _respond(project, number: int, key: str, status: int = 200, errors=None, body: str = ""):
    """The clause's comments for htmx; otherwise back to the version page at the clause (or
    the whole page again with the error beside the field)."""
    if status < 300 and not wants_fragment():
        return redirect(
            url_for("agreements.version", project_id=project.id, number=number)
            + f"#comments-{key}",
            code=303,
        )
    threads = comments.threads(db.session, project.id, number)
    context = dict(
        project=project,
        number=number,
        key=key,
        threads=threads.get(key, []),
        errors=errors or {},
        body=body,
    )
    if wants_fragment():
        return render_template("agreements/_clause_comments.html", **context), status
    version = service.get_version(project, number, with_author=True)
    doc = service.document_for(version)
    return (
        render_template(
            "agreements/version.html",
            project=project,
            version=version,
            html=None,
            head=Markup(head_html(doc)),
            sections=[(s.key, Markup(section_html(s))) for s in doc.sections],
            threads=threads,
            comment_errors={key: (errors or {}, body)},
            approved=service.approved_version(project),
            latest=service.latest_version(project),
            drafter=True,
            approver=False,
        ),
        status,
    )


@bp.post("/v<int:number>/comments")
@roles(*DRAFTERS)
def comment(project_id: int, number: int):
    """Start a thread on one clause of version `number`."""
    project = _draftable_project(project_id)
    version = service.get_version(project, number)
    if version is None:
        abort(404)
    key = request.form.get("clause", "")
    if key not in comments.clause_keys(version):
        abort(400)
    body = request.form.get("body", "")
    try:
        comments.add(db.session, version, key, current_user, body)
    except comments.CommentProblem as problem:
        return _respond(
            project, _page_number(version), key, 422, {"body": [_(problem.message)]}, body
        )
    db.session.commit()
    if not wants_fragment():
        flash(_("Your comment was added."), "success")
    return _respond(project, _page_number(version), key)


@bp.post("/comments/<int:comment_id>/reply")
@roles(*DRAFTERS)
def reply(project_id: int, comment_id: int):
    """Answer a thread."""
    project = _draftable_project(project_id)
    thread = _thread(project, comment_id)
    number = _page_number(thread.version)
    body = request.form.get("body", "")
    try:
        comments.reply(db.session, thread, current_user, body)
    except comments.CommentProblem as problem:
        errors = {f"reply-{thread.id}": [_(problem.message)]}
        return _respond(project, number, thread.clause_key, 422, errors, body)
    db.session.commit()
    if not wants_fragment():
        flash(_("Your answer was added."), "success")
    return _respond(project, number, thread.clause_key)


def _set_state(project_id: int, comment_id: int, resolve: bool):
    project = _draftable_project(project_id)
    thread = _thread(project, comment_id)
    if thread.parent_id is not None:
        abort(400)  # only a thread is resolved, not one answer
    number = _page_number(thread.version)
    try:
        if resolve:
            comments.resolve(thread, current_user)
        else:
            comments.reopen(thread)
    except comments.CommentConflict:
        message = (
            _("Someone resolved this comment while you were reading it.")
            if resolve
            else _("Someone reopened this comment while you were reading it.")
        )
        errors = {f"state-{thread.id}": [message]}
        if not wants_fragment():
            flash(message, "info")
        return _respond(project, number, thread.clause_key, 409, errors)
    db.session.commit()
    return _respond(project, number, thread.clause_key)


@bp.post("/comments/<int:comment_id>/resolve")
@roles(*DRAFTERS)
def resolve(project_id: int, comment_id: int):
    """Mark a thread resolved (409 if someone already did)."""
    return _set_state(project_id, comment_id, True)


@bp.post("/comments/<int:comment_id>/reopen")
@roles(*DRAFTERS)
def reopen(project_id: int, comment_id: int):
    """Open a resolved thread again (409 if someone already did)."""
    return _set_state(project_id, comment_id, False)
