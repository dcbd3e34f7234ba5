"""Candidates: coordinators only. Every view of a candidate and every opening of the sensitive
notes is written to the audit log."""

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.access import staff_only
from app.audit import log as audit
from app.auth.fresh import fresh_required
from app.candidates import queries, service
from app.candidates.blueprint import bp
from app.candidates.forms import (
    CandidateForm,
    ConsentForm,
    ConversationForm,
    SensitiveNoteForm,
    referral_sources,
)
from app.candidates.models import (
    CONSENT_PURPOSES,
    Candidate,
    Consent,
    SensitiveNote,
)
from app.clock import local_today
from app.extensions import db
from app.forms import EmptyForm
from app.placements.models import Placement
from app.placements.service import journey, record_conversation
from app.web import page_arg, redirect_after_write, render

TEMPLATE = "candidates/detail.html"


def _candidate(candidate_id: int) -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.anonymised_at is not None:
        abort(404)
    return candidate


@bp.get("/")
@staff_only
def index():
    """List candidates; the search box looks in names, housing areas and skills."""
    q = request.args.get("q", "").strip()[:100]
    pagination = queries.search(
        q,
        page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        cap=current_app.config["SEARCH_COUNT_CAP"],
    )
    response = render(
        "candidates/index.html",
        block="results",
        pagination=pagination,
        candidates=pagination.items,
        q=q,
    )
    if q:
        # Written after the page is rendered, so the commit expires nothing the page still
        # reads; if it fails, the search answers 500 and shows nothing unlogged.
        audit.record("search_candidates", target="candidates")
        db.session.commit()
    return response


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Register a candidate."""
    form = CandidateForm()
    if form.validate_on_submit():
        candidate = Candidate(created_by_id=current_user.id)
        _apply(form, candidate)
        service.save(candidate)
        db.session.flush()
        audit.record("create_candidate", candidate.id)
        db.session.commit()
        flash(_("%(name)s is registered.", name=candidate.name), "success")
        return redirect_after_write(url_for("candidates.detail", candidate_id=candidate.id))
    status = 422 if form.is_submitted() else 200
    return render("candidates/new.html", block="candidate_form", form=form, status=status)


def _apply(form: CandidateForm, candidate: Candidate) -> None:
    for name in (
        "first_name",
        "last_name",
        "phone",
        "address",
        "referral_source",
        "referral_contact",
        "trades",
        "certificates",
        "driving_licence",
        "languages",
        "wishes",
        "availability",
    ):
        setattr(candidate, name, (getattr(form, name).data or "").strip())
    candidate.email = (form.email.data or "").strip().lower()
    candidate.association_id = form.association_id.data or None
    candidate.area_id = form.area_id.data or None


def _page(candidate: Candidate, status: int = 200, block: str | None = None, **extra):
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.candidate_id == candidate.id)
        .options(joinedload(Placement.project), joinedload(Placement.company))
        .order_by(Placement.start_date)
    ).all()
    extra.setdefault("conversation_form", ConversationForm(formdata=None, held_on=local_today()))
    extra.setdefault("consent_form", ConsentForm(formdata=None, given_on=local_today()))
    return render(
        TEMPLATE,
        block=block,
        status=status,
        candidate=candidate,
        placements=placements,
        journey=journey(placements),
        purposes=CONSENT_PURPOSES,
        sources=referral_sources(),
        action_form=EmptyForm(),
        today=local_today(),
        **extra,
    )


@bp.get("/<int:candidate_id>")
@staff_only
def detail(candidate_id: int):
    """Show a candidate: contact, housing, consent, conversations and the journey."""
    candidate = _candidate(candidate_id)
    audit.record("view_candidate", candidate.id)
    db.session.commit()
    response = _page(candidate)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:candidate_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(candidate_id: int):
    """Edit a candidate; an edit based on an outdated version is refused."""
    candidate = _candidate(candidate_id)
    if request.method == "GET":
        form = CandidateForm(obj=candidate)
        form.association_id.data = candidate.association_id or 0
        form.area_id.data = candidate.area_id or 0
        form.version.data = str(candidate.version)
        return render(
            "candidates/edit.html", block="candidate_form", form=form, candidate=candidate
        )
    form = CandidateForm()
    if not form.validate_on_submit():
        return render(
            "candidates/edit.html",
            block="candidate_form",
            form=form,
            candidate=candidate,
            status=422,
        )
    if form.version.data != str(candidate.version):
        form.version.data = str(candidate.version)
        return render(
            "candidates/edit.html",
            block="candidate_form",
            form=form,
            candidate=candidate,
            conflict=True,
            status=409,
        )
    _apply(form, candidate)
    service.save(candidate)
    audit.record("update_candidate", candidate.id)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return render(
            "candidates/edit.html",
            block="candidate_form",
            form=form,
            candidate=_candidate(candidate_id),
            conflict=True,
            status=409,
        )
    flash(_("The changes were saved."), "success")
    return redirect_after_write(url_for("candidates.detail", candidate_id=candidate.id))


@bp.post("/<int:candidate_id>/conversations")
@staff_only
def add_conversation(candidate_id: int):
    """Log a conversation in the candidate's samtaleforløb."""
    candidate = _candidate(candidate_id)
    form = ConversationForm()
    if not form.validate_on_submit():
        return _page(candidate, status=422, block="conversations", conversation_form=form)
    record_conversation(
        candidate, form.held_on.data, form.kind.data, (form.notes.data or "").strip(), current_user
    )
    audit.record("add_conversation", candidate.id)
    db.session.commit()
    flash(_("The conversation was logged."), "success")
    if request.htmx:
        return _page(candidate, block="conversations")
    return redirect_after_write(url_for("candidates.detail", candidate_id=candidate.id))


@bp.post("/<int:candidate_id>/consents")
@staff_only
def add_consent(candidate_id: int):
    """Record a consent: what, when and by whom."""
    candidate = _candidate(candidate_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _page(candidate, status=422, block="consents", consent_form=form)
    candidate.consents.append(
        Consent(
            purpose=form.purpose.data, given_on=form.given_on.data, recorded_by_id=current_user.id
        )
    )
    audit.record("add_consent", candidate.id, form.purpose.data)
    db.session.commit()
    return _after_write(candidate, "consents")


@bp.post("/<int:candidate_id>/consents/<int:consent_id>/withdraw")
@staff_only
def withdraw_consent(candidate_id: int, consent_id: int):
    """Record that a consent was withdrawn (today)."""
    candidate = _candidate(candidate_id)
    consent = next((c for c in candidate.consents if c.id == consent_id), None) or abort(404)
    if consent.withdrawn_on is None:
        consent.withdrawn_on = local_today()
        consent.withdrawn_by_id = current_user.id
        audit.record("withdraw_consent", candidate.id, consent.purpose)
        db.session.commit()
    return _after_write(candidate, "consents")


def _after_write(candidate: Candidate, block: str):
    if request.htmx:
        return _page(candidate, block=block)
    return redirect_after_write(
        url_for("candidates.detail", candidate_id=candidate.id) + f"#{block}"
    )


def _sensitive_page(candidate: Candidate, status: int = 200, form=None):
    """The page with the sensitive notes opened (for htmx: only that section)."""
    notes = db.session.scalars(
        select(SensitiveNote)
        .where(SensitiveNote.candidate_id == candidate.id)
        .options(selectinload(SensitiveNote.created_by))
        .order_by(SensitiveNote.created_at.desc())
    ).all()
    response = _page(
        candidate,
        status=status,
        block="sensitive",
        sensitive_open=True,
        notes=notes,
        note_form=form or SensitiveNoteForm(formdata=None),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:candidate_id>/sensitive")
@staff_only
@fresh_required
def open_sensitive(candidate_id: int):
    """Open the sensitive notes on purpose; the opening is logged with who and when."""
    candidate = _candidate(candidate_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    audit.record("open_sensitive_notes", candidate.id, "sensitive_notes")
    db.session.commit()
    return _sensitive_page(candidate)


@bp.post("/<int:candidate_id>/sensitive/notes")
@staff_only
@fresh_required
def add_sensitive_note(candidate_id: int):
    """Add a sensitive note (health, record, residence permit...)."""
    candidate = _candidate(candidate_id)
    form = SensitiveNoteForm()
    if not form.validate_on_submit():
        return _sensitive_page(candidate, status=422, form=form)
    db.session.add(
        SensitiveNote(
            candidate_id=candidate.id, text=form.text.data.strip(), created_by_id=current_user.id
        )
    )
    audit.record("add_sensitive_note", candidate.id, "sensitive_notes")
    db.session.commit()
    flash(_("The sensitive note was saved."), "success")
    return _sensitive_page(candidate)
