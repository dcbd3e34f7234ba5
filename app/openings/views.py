"""Openings on a project: everyone in scope reads them, contractors and staff report them,
staff move them through open → matched/withdrawn, and a contractor may withdraw its own."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from app.access import get_project_or_404, roles, signed_in, staff_only
from app.clock import local_today
from app.extensions import db
from app.forms import EmptyForm
from app.models import (
    STAFF_ROLES,
    CompanyRole,
    Organisation,
    Project,
    ProjectCompany,
    Role,
    Rung,
)
from app.openings.blueprint import bp
from app.openings.forms import OpeningForm, StatusForm
from app.openings.models import JobFunction, Opening, OpeningStatus
from app.web import render

TEMPLATE = "openings/index.html"
REPORTERS = (*STAFF_ROLES, Role.CONTRACTOR)
# Open openings first: they are the ones a coordinator can still match.
STATUS_ORDER = case(
    {OpeningStatus.OPEN.value: 0, OpeningStatus.MATCHED.value: 1},
    value=Opening.status,
    else_=2,
)


def _project_companies(project: Project) -> list[tuple[Organisation, str]]:
    """The project's companies with their role, main contractor first, in one query."""
    rows = db.session.execute(
        select(Organisation, ProjectCompany.role)
        .join(ProjectCompany, ProjectCompany.company_id == Organisation.id)
        .where(ProjectCompany.project_id == project.id)
        .order_by(ProjectCompany.role, Organisation.name)  # "main" sorts before "sub"
    ).all()
    return [(company, role) for company, role in rows]


def reportable_companies(project: Project) -> list[Organisation]:
    """The companies the current user may report openings for on this project.

    Staff and the main contractor's users: every company on the project. A subcontractor's
    users: only their own company. Anyone else (clients): none.
    """
    companies = _project_companies(project)
    if current_user.is_staff:
        return [company for company, _role in companies]
    if current_user.role != Role.CONTRACTOR:
        return []
    own_role = next((r for c, r in companies if c.id == current_user.organisation_id), None)
    if own_role == CompanyRole.MAIN:
        return [company for company, _role in companies]
    return [company for company, _role in companies if company.id == current_user.organisation_id]


def may_withdraw(opening: Opening) -> bool:
    """A contractor withdraws an open opening of its own company, or one it reported itself."""
    return (
        current_user.role == Role.CONTRACTOR
        and opening.status == OpeningStatus.OPEN
        and (
            opening.company_id == current_user.organisation_id
            or opening.reported_by_id == current_user.id
        )
    )


def _status_filter(value: str | None) -> str:
    return value if value in set(OpeningStatus) else ""


def _openings(project: Project, status: str) -> list[Opening]:
    """The project's openings, open first, then soonest start; company and reporter loaded."""
    query = (
        select(Opening)
        .where(Opening.project_id == project.id)
        .options(joinedload(Opening.company), joinedload(Opening.reported_by))
        .order_by(STATUS_ORDER, Opening.expected_start, Opening.id)
    )
    if status:
        query = query.where(Opening.status == status)
    return list(db.session.scalars(query))


def _new_form(companies: list[Organisation]) -> OpeningForm:
    """An empty form; the user's own company chosen when it is one of the choices."""
    own = next((c.id for c in companies if c.id == current_user.organisation_id), None)
    return OpeningForm(formdata=None, companies=companies, company_id=own)


def _get_opening_or_404(project: Project, opening_id: int) -> Opening:
    opening = db.session.scalar(
        select(Opening).where(Opening.id == opening_id, Opening.project_id == project.id)
    )
    if opening is None:
        abort(404)
    return opening


def _page(project: Project, form: OpeningForm, companies, filter_: str = "", **kwargs):
    """Render the page, or `block` of it for htmx, with everything the template needs."""
    return render(
        TEMPLATE,
        project=project,
        openings=_openings(project, filter_),
        status_filter=filter_,
        statuses=list(OpeningStatus),
        form=form,
        may_report=current_user.role in REPORTERS,
        companies=companies,
        may_withdraw=may_withdraw,
        today=local_today(),
        JobFunction=JobFunction,
        Rung=Rung,
        OpeningStatus=OpeningStatus,
        **kwargs,
    )


@bp.get("")
@signed_in
def index(project_id: int):
    """List a project's openings, open ones first; optionally only those with one status."""
    project = get_project_or_404(project_id)
    status = _status_filter(request.args.get("status"))
    companies = reportable_companies(project) if current_user.role in REPORTERS else []
    return _page(project, _new_form(companies), companies, status, block="opening_list")


@bp.post("")
@roles(*REPORTERS)
def report(project_id: int):
    """Report an opening for one of the project's companies."""
    project = get_project_or_404(project_id)
    companies = reportable_companies(project)
    form = OpeningForm(companies=companies)
    if not form.validate_on_submit():
        return _page(project, form, companies, block="opening_form", status=422)
    opening = Opening(
        project_id=project.id,
        company_id=form.company_id.data,
        function=form.function.data,
        trade=(form.trade.data or "").strip(),
        expected_start=form.expected_start.data,
        rung=form.rung.data,
        note=(form.note.data or "").strip(),
        status=OpeningStatus.OPEN,
        reported_by_id=current_user.id,
    )
    db.session.add(opening)
    db.session.commit()
    flash(_("The opening was reported. Byg Op will look for a candidate."), "success")
    if not request.htmx:
        return redirect(url_for("openings.index", project_id=project.id), code=303)
    # A fresh form in place of the filled one, and the list updated out of band.
    return _page(
        project,
        _new_form(companies),
        companies,
        block="opening_form",
        oob_blocks=("opening_list",),
    )


@bp.post("/<int:opening_id>/status")
@staff_only
def change_status(project_id: int, opening_id: int):
    """Mark an opening open, matched or withdrawn."""
    project = get_project_or_404(project_id)
    opening = _get_opening_or_404(project, opening_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _after_change(project, status=422)
    if opening.status != form.status.data:
        opening.status = form.status.data
        db.session.commit()
    label = _(OpeningStatus(opening.status).label)
    flash(_("The opening is now marked “%(status)s”.", status=label), "success")
    return _after_change(project)


@bp.post("/<int:opening_id>/withdraw")
@roles(Role.CONTRACTOR)
def withdraw(project_id: int, opening_id: int):
    """Withdraw an open opening the contractor's own company reported."""
    project = get_project_or_404(project_id)
    opening = _get_opening_or_404(project, opening_id)
    if not may_withdraw(opening):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    opening.status = OpeningStatus.WITHDRAWN
    db.session.commit()
    flash(_("The opening was withdrawn."), "success")
    return _after_change(project)


def _after_change(project: Project, status: int = 200):
    """The updated list for htmx (keeping the user's filter); a redirect to the page without."""
    filter_ = _status_filter(request.form.get("filter"))
    if status == 200 and not request.htmx:
        url = url_for("openings.index", project_id=project.id, status=filter_ or None)
        return redirect(url, code=303)
    if status != 200:
        flash(_("Choose one of the statuses in the list."), "error")
    companies = reportable_companies(project) if current_user.role in REPORTERS else []
    return _page(
        project, _new_form(companies), companies, filter_, block="opening_list", status=status
    )
