"""Matches and placements (coordinators): create from a candidate or a reported opening,
end a placement, and move a resident up the ladder."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.access import staff_only
from app.audit import log as audit
from app.candidates.models import Candidate
from app.clock import local_today
from app.extensions import db
from app.models import Project, Rung
from app.openings.models import Opening, OpeningStatus
from app.placements import service
from app.placements.blueprint import bp
from app.placements.forms import EndForm, NextRungForm, PlacementForm, TrainingForm
from app.placements.models import Outcome, Placement, TrainingScheme
from app.search import like_pattern
from app.web import parse_id, redirect_after_write, render


def _translate(problems) -> dict[str, list[str]]:
    return {field: [m.format(_) for m in messages] for field, messages in problems.items()}


def _candidate_options(q: str) -> list[Candidate]:
    if not q:
        return []
    # The candidates' folded search text holds their names, area and skills (app.search).
    return db.session.scalars(
        select(Candidate)
        .where(
            Candidate.anonymised_at.is_(None),
            Candidate.search_text.like(like_pattern(q), escape="\\"),
        )
        .options(joinedload(Candidate.area))
        .order_by(Candidate.first_name, Candidate.last_name)
        .limit(20)
    ).all()


@bp.route("/placements/new", methods=["GET", "POST"])
@staff_only
def new():
    """Match a candidate: create a placement, from the candidate or from a reported opening."""
    opening = None
    if opening_id := parse_id(request.values.get("opening_id")):
        opening = db.session.get(Opening, opening_id) or abort(404)
    if request.method == "GET":
        initial = {"candidate_id": parse_id(request.args.get("candidate_id"))}
        if opening:
            initial.update(
                project_id=opening.project_id,
                company_id=opening.company_id,
                rung=opening.rung,
                start_date=max(opening.expected_start, local_today()),
                opening_id=str(opening.id),
            )
        form = PlacementForm(formdata=None, data={k: v for k, v in initial.items() if v})
        return _form_page(form, opening)

    form = PlacementForm()
    problems: dict[str, list[str]] = {}
    candidate = db.session.get(Candidate, form.candidate_id.data or 0)
    if form.validate_on_submit():
        project = db.session.get(Project, form.project_id.data) or abort(404)
        warnings = service.start_warnings(project, form.start_date.data)
        if candidate is None or candidate.anonymised_at is not None:
            problems = {"candidate_id": [_("Choose the candidate.")]}
        elif warnings and not form.confirm.data:
            problems = _translate({"confirm": warnings})
        else:
            try:
                placement = service.create(
                    candidate,
                    project,
                    form.company_id.data,
                    Rung(form.rung.data),
                    form.start_date.data,
                    form.planned_end.data,
                    current_user,
                    opening=opening,
                )
            except service.Refused as refused:
                problems = _translate(refused.problems)
            else:
                db.session.flush()
                audit.record("create_placement", candidate.id, f"placement:{placement.id}")
                db.session.commit()
                flash(
                    _(
                        "%(name)s is matched: %(rung)s at %(company)s.",
                        name=candidate.name,
                        rung=_(Rung(placement.rung).label),
                        company=placement.company.name,
                    ),
                    "success",
                )
                return redirect_after_write(url_for("candidates.detail", candidate_id=candidate.id))
    for field, messages in problems.items():
        target = getattr(form, "candidate_id" if field == "candidate" else field, None)
        if target is not None:
            target.errors = [*target.errors, *messages]
    return _form_page(form, opening, status=422)


def _form_page(form: PlacementForm, opening: Opening | None, status: int = 200):
    candidate = (
        db.session.get(Candidate, form.candidate_id.data) if form.candidate_id.data else None
    )
    q = request.args.get("q", "").strip()[:100]
    return render(
        "placements/new.html",
        block="placement_form",
        status=status,
        form=form,
        opening=opening,
        candidate=candidate,
        pre_match=service.pre_match_count(candidate.id) if candidate else 0,
        q=q,
        options=_candidate_options(q),
    )


@bp.get("/placements/company-options")
@staff_only
def company_options():
    """The company choices for the project chosen in the placement form."""
    form = PlacementForm(formdata=request.args)
    return render("placements/new.html", block="company_field", form=form)


@bp.get("/placements/candidate-options")
@staff_only
def candidate_options():
    """Candidates matching the search in the placement form."""
    q = request.args.get("q", "").strip()[:100]
    return render(
        "placements/new.html",
        block="candidate_options",
        options=_candidate_options(q),
        q=q,
        form=PlacementForm(formdata=None),
    )


def _placement(placement_id: int) -> Placement:
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        abort(404)
    return placement


def _back_to_candidate(placement: Placement):
    return redirect_after_write(
        url_for("candidates.detail", candidate_id=placement.candidate_id) + "#placements"
    )


def _outdated(placement: Placement, form) -> bool:
    """True when the form was filled in on a page showing an older version of the placement."""
    return (form.version.data or "") != str(placement.version)


def _conflict(placement_id: int, form_name: str):
    """Answer 409: someone else changed the placement since the page was loaded; nothing saved."""
    db.session.rollback()
    placement = _placement(placement_id)
    flash(
        _(
            "Someone else changed this placement after you opened the page, so your change "
            "was not saved. Check how the placement stands now and try again."
        ),
        "error",
    )
    return render(
        "placements/change.html",
        placement=placement,
        form_name=form_name,
        conflict=True,
        end_form=EndForm(formdata=None),
        next_form=NextRungForm(formdata=None),
        status=409,
    )


def _refused(placement: Placement, problems, form_name: str, form):
    for field, messages in _translate(problems).items():
        target = getattr(form, field, None)
        if target is not None:
            target.errors = [*target.errors, *messages]
        else:
            flash(" ".join(messages), "error")
    form.version.data = str(placement.version)
    return render(
        "placements/change.html",
        placement=placement,
        form_name=form_name,
        end_form=form if form_name == "end" else EndForm(formdata=None),
        next_form=form if form_name == "next" else NextRungForm(formdata=None),
        status=422,
    )


def _unconfirmed(form, warnings):
    """The warnings, unless the coordinator has seen them and confirmed (nothing to confirm
    without warnings)."""
    return [] if form.confirm.data else warnings


@bp.post("/placements/<int:placement_id>/end")
@staff_only
def end(placement_id: int):
    """End a placement with its outcome; an end based on an outdated version is refused."""
    placement = _placement(placement_id)
    form = EndForm()
    if _outdated(placement, form):
        return _conflict(placement_id, "end")
    if not form.validate_on_submit():
        return _refused(placement, {}, "end", form)
    warnings = service.end_warnings(placement, form.actual_end.data)
    if warnings := _unconfirmed(form, warnings):
        return _refused(placement, {"confirm": warnings}, "end", form)
    try:
        service.end(
            placement, form.actual_end.data, Outcome(form.outcome.data), form.reason.data or ""
        )
    except service.Refused as refused:
        return _refused(placement, refused.problems, "end", form)
    audit.record("end_placement", placement.candidate_id, f"placement:{placement.id}")
    try:
        db.session.commit()
    except StaleDataError:  # changed by another request between our read and our write
        return _conflict(placement_id, "end")
    flash(_("The placement was ended."), "success")
    return _back_to_candidate(placement)


@bp.post("/placements/<int:placement_id>/next-rung")
@staff_only
def next_rung(placement_id: int):
    """End this rung and start the next one the following day, unless the page was outdated."""
    placement = _placement(placement_id)
    form = NextRungForm()
    if _outdated(placement, form):
        return _conflict(placement_id, "next")
    if not form.validate_on_submit():
        return _refused(placement, {}, "next", form)
    warnings = service.end_warnings(placement, form.end_on.data, next_rung=True)
    if warnings := _unconfirmed(form, warnings):
        return _refused(placement, {"confirm": warnings}, "next", form)
    try:
        following = service.next_rung(placement, form.end_on.data, current_user)
        db.session.flush()
        audit.record("next_rung", placement.candidate_id, f"placement:{following.id}")
        db.session.commit()
    except service.Refused as refused:
        db.session.rollback()
        return _refused(_placement(placement_id), refused.problems, "next", form)
    except StaleDataError:  # changed by another request between our read and our write
        return _conflict(placement_id, "next")
    flash(
        _(
            "Moved up to %(rung)s from %(start)s.",
            rung=_(Rung(following.rung).label),
            start=following.start_date.strftime("%d.%m.%Y"),
        ),
        "success",
    )
    return _back_to_candidate(placement)


@bp.get("/placements/openings")
@staff_only
def openings():
    """Open openings on every project, to match candidates to."""
    rows = db.session.scalars(
        select(Opening)
        .where(Opening.status == OpeningStatus.OPEN)
        .options(joinedload(Opening.project), joinedload(Opening.company))
        .order_by(Opening.expected_start)
    ).all()
    return render("placements/openings.html", openings=rows)


@bp.route("/placements/<int:placement_id>/training", methods=["GET", "POST"])
@staff_only
def training(placement_id: int):
    """Mark a placement as a person in training (naming the scheme) and set its weekly hours."""
    # One query with what the page names: the person, the company and the project.
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .options(
            joinedload(Placement.candidate),
            joinedload(Placement.company),
            joinedload(Placement.project),
        )
    )
    if placement is None:
        abort(404)
    if request.method == "GET":
        form = TrainingForm(formdata=None)
        form.version.data = str(placement.version)
        form.training.data = bool(placement.training)
        form.scheme.data = placement.training_scheme or ""
        form.hours_per_week.data = placement.hours_per_week
        return _training_page(placement, form)
    form = TrainingForm()
    if placement.rung == Rung.APPRENTICESHIP:
        form.training.data = False  # always training; no scheme to name
    if not form.validate_on_submit():
        return _training_page(placement, form, 422)
    if _outdated(placement, form):
        return _conflict(placement_id, "training")
    placement.training = bool(form.training.data)
    placement.training_scheme = TrainingScheme(form.scheme.data) if form.training.data else None
    placement.hours_per_week = form.hours_per_week.data
    audit.record(
        "placement_training",
        placement.candidate_id,
        f"placement:{placement.id} training:{placement.training_scheme or '-'} "
        f"hours:{placement.hours_per_week}",
    )
    try:
        db.session.commit()
    except StaleDataError:
        return _conflict(placement_id, "training")
    flash(_("The placement's training mark and hours were saved."), "success")
    return _back_to_candidate(placement)


def _training_page(placement: Placement, form: TrainingForm, status: int = 200):
    return render("placements/training.html", placement=placement, form=form, status=status)
