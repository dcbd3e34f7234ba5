"""Download a redline: a Word file with tracked changes between two versions of a project's
agreement, or between a version and the clause library's standard text.

Who may download it is who may download the versions themselves (views._visible_version):
drafters every version, everyone else in the project's scope only the approved one.
"""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.access import get_project_or_404, signed_in
from app.agreements import redline_service
from app.agreements.blueprint import bp
from app.agreements.comments import comments_for_redline
from app.agreements.document import RenderError
from app.agreements.models import AgreementVersion
from app.agreements.redline import RedlineComment
from app.agreements.views import _visible_version, can_draft
from app.extensions import db
from app.web import download, parse_id

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def redline_comments(
    earlier: AgreementVersion | None, later: AgreementVersion
) -> list[RedlineComment]:
    """The comments that go into a redline: the later version's note, and for drafters (never
    contractors) each clause's comment thread on the later version, its answers as replies."""
    notes = redline_service.version_note(later)
    if not can_draft(later.project):
        return notes
    return notes + [
        RedlineComment(
            thread.clause_key,
            thread.author,
            thread.created_at,
            thread.body,
            replies=tuple(
                RedlineComment(thread.clause_key, reply.author, reply.created_at, reply.body)
                for reply in thread.replies
            ),
            resolved=thread.resolved,
        )
        for thread in comments_for_redline(db.session, later)
    ]


@bp.get("/v<int:number>/redline.docx")
@signed_in
def redline(project_id: int, number: int):
    """The version with its changes since an earlier one (`?from=<number>`, by default the
    version before it; for version 1, the standard text) tracked in Word."""
    project = get_project_or_404(project_id)
    later = _visible_version(project, number)
    since = parse_id(request.args.get("from")) or number - 1
    if since < 1:
        return redirect(
            url_for("agreements.redline_standard", project_id=project.id, number=number), code=303
        )
    earlier = _visible_version(project, since)
    return download(
        redline_service.redline_docx(earlier, later, redline_comments(earlier, later)),
        DOCX,
        redline_service.redline_name(earlier, later),
    )


@bp.get("/v<int:number>/redline-standard.docx")
@signed_in
def redline_standard(project_id: int, number: int):
    """The version with its changes from the clause library's standard text tracked in Word."""
    project = get_project_or_404(project_id)
    version = _visible_version(project, number)
    try:
        data = redline_service.redline_docx(None, version, redline_comments(None, version))
    except RenderError:
        flash(_("The standard text could not be made from the clause library."), "error")
        return redirect(
            url_for("agreements.version", project_id=project.id, number=number), code=303
        )
    return download(data, DOCX, redline_service.redline_name(None, version))
