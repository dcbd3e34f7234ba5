"""GDPR tools, staff only: export everything held about a candidate, erase a candidate, and the
list of candidates kept past the retention period. Every use is written to the audit log."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import sanitise
from app.access import staff_only
from app.agreements.docx_writer import to_docx
from app.audit import log as audit
from app.auth.fresh import fresh_required
from app.candidates.models import Candidate
from app.clock import local_today
from app.extensions import db
from app.gdpr import redact, service
from app.gdpr.blueprint import bp
from app.gdpr.document import export_document
from app.gdpr.forms import EraseForm
from app.web import download, redirect_after_write, render

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _candidate(candidate_id: int) -> Candidate:
    """The candidate, or 404 when missing or already anonymised (as on the candidate pages)."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.anonymised_at is not None:
        abort(404)
    return candidate


def _retention_months() -> int:
    try:
        months = int(request.args.get("months", ""))
    except ValueError:
        months = current_app.config.get("GDPR_RETENTION_MONTHS", service.DEFAULT_RETENTION_MONTHS)
    return min(max(int(months), 1), service.MAX_RETENTION_MONTHS)


@bp.get("/")
@staff_only
def index():
    """Explain the GDPR tools and link to the retention list."""
    return render(
        "gdpr/index.html",
        months=current_app.config.get("GDPR_RETENTION_MONTHS", service.DEFAULT_RETENTION_MONTHS),
    )


def _export(candidate: Candidate, kind: str) -> dict:
    """Log the export, then gather the data (so the log in it shows this export too)."""
    audit.record("gdpr_export", candidate.id, kind)
    db.session.flush()
    with force_locale("da"):
        data = service.export_data(candidate, translate=_, retention_months=_retention_months())
    db.session.commit()
    return data


def _file_name(candidate: Candidate, extension: str) -> str:
    return f"Indsigt - {candidate.name}.{extension}"


@bp.get("/candidates/<int:candidate_id>/export.json")
@staff_only
@fresh_required
def export_json(candidate_id: int):
    """Download everything held about the candidate as JSON (right of access, Art. 15)."""
    candidate = _candidate(candidate_id)
    name = _file_name(candidate, "json")
    data = _export(candidate, "json")
    return download(sanitise.json_bytes(data, indent=2), "application/json", name)


@bp.get("/candidates/<int:candidate_id>/export.docx")
@staff_only
@fresh_required
def export_docx(candidate_id: int):
    """Download everything held about the candidate as a Danish Word document."""
    candidate = _candidate(candidate_id)
    name = _file_name(candidate, "docx")
    data = _export(candidate, "docx")
    doc = export_document(data)
    body = to_docx(doc, title=doc.header, subject="Indsigt", author="Byg Op")
    return download(body, DOCX, name)


def _erase_page(candidate: Candidate, form: EraseForm, status: int = 200):
    response = render(
        "gdpr/erase.html",
        block="erase_form",
        status=status,
        candidate=candidate,
        form=form,
        summary=service.erasure_summary(candidate, local_today()),
        mentions=redact.mentions(candidate.id),
        marker=redact.MARKER,
        word=service.CONFIRM_WORD,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/candidates/<int:candidate_id>/erase")
@staff_only
def erase_page(candidate_id: int):
    """Show what erasing the candidate removes and what stays, and ask for the word."""
    candidate = _candidate(candidate_id)
    audit.record("view_candidate", candidate.id, "gdpr_erase")
    db.session.commit()
    return _erase_page(candidate, EraseForm(formdata=None))


@bp.post("/candidates/<int:candidate_id>/erase")
@staff_only
def erase(candidate_id: int):
    """Erase the candidate's personal data; the placements stay so the counts stay right."""
    candidate = _candidate(candidate_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _erase_page(candidate, form, status=422)
    service.erase([candidate.id], user=current_user, reason="request")
    db.session.commit()
    service.scrub_free_space()
    flash(_("The candidate's personal data was erased."), "success")
    return redirect_after_write(url_for("candidates.index"))


@bp.get("/retention")
@staff_only
def retention():
    """List the candidates with no activity for the retention period, the oldest first."""
    months = _retention_months()
    cutoff, candidates = service.inactive_candidates(months, local_today())
    if candidates:
        audit.record("gdpr_retention_list", target="candidates")
        db.session.commit()
    response = render(
        "gdpr/retention.html",
        block="retention_list",
        months=months,
        cutoff=cutoff,
        candidates=candidates,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
