"""Award: name the main contractor, add subcontractors as they join, invite their people."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.access import get_project_or_404, staff_only
from app.extensions import db
from app.mail import notify
from app.models import (
    CompanyRole,
    Organisation,
    OrganisationKind,
    Phase,
    ProjectCompany,
    Role,
    User,
    utcnow,
)
from app.projects.blueprint import bp
from app.projects.forms import AwardForm, InviteForm, SubcontractorForm
from app.projects.views import detail_page
from app.web import redirect_after_write


@bp.post("/<int:project_id>/award")
@staff_only
def award(project_id: int):
    """Mark a tendered project awarded to a main contractor."""
    project = get_project_or_404(project_id)
    form = AwardForm()
    if project.phase != Phase.TENDER:
        form.main_contractor_id.errors = [_("The project has already been awarded.")]
        return detail_page(project, status=409, block="award", award_form=form)
    if not form.validate_on_submit():
        return detail_page(project, status=422, block="award", award_form=form)
    project.phase = Phase.AWARDED
    project.execution_start = form.execution_start.data or project.execution_start
    project.execution_end = form.execution_end.data or project.execution_end
    project.updated_at = utcnow()
    project.companies.append(
        ProjectCompany(company_id=form.main_contractor_id.data, role=CompanyRole.MAIN)
    )
    db.session.commit()
    flash(_("The project is awarded. Invite the contractor's people below."), "success")
    return redirect_after_write(url_for("projects.detail", project_id=project.id))


@bp.post("/<int:project_id>/subcontractors")
@staff_only
def add_subcontractor(project_id: int):
    """Add a subcontractor as it joins the project (a new company is created by name)."""
    project = get_project_or_404(project_id)
    form = SubcontractorForm(project)
    if project.phase == Phase.TENDER:
        abort(409)
    if not form.validate_on_submit():
        return detail_page(project, status=422, block="award", subcontractor_form=form)
    company_id = form.company_id.data
    name = (form.new_company.data or "").strip()
    if name:
        existing = db.session.scalar(
            select(Organisation).where(
                Organisation.kind == OrganisationKind.COMPANY,
                # SQLite's lower() folds ASCII only: "ÆØÅ Byg" must still find itself.
                or_(Organisation.name == name, func.lower(Organisation.name) == name.lower()),
            )
        )
        if existing is None:
            existing = Organisation(kind=OrganisationKind.COMPANY, name=name)
            db.session.add(existing)
            db.session.flush()
        company_id = existing.id
    if any(pc.company_id == company_id for pc in project.companies):
        form.new_company.errors = [_("The company already takes part in the project.")]
        return detail_page(project, status=422, block="award", subcontractor_form=form)
    project.companies.append(ProjectCompany(company_id=company_id, role=CompanyRole.SUB))
    project.updated_at = utcnow()
    db.session.commit()
    flash(_("The subcontractor was added."), "success")
    return redirect_after_write(url_for("projects.detail", project_id=project.id))


@bp.post("/<int:project_id>/invite")
@staff_only
def invite(project_id: int):
    """Create a contractor user for one of the project's companies; show the password once."""
    project = get_project_or_404(project_id)
    form = InviteForm(project)
    if not form.validate_on_submit():
        return detail_page(project, status=422, block="award", invite_form=form)
    user = User(
        email=form.email.data.strip().lower(),
        name=form.name.data.strip(),
        role=Role.CONTRACTOR,
        organisation_id=form.company_id.data,
        password_hash="-",  # replaced below, once the user has an id for the link
    )
    db.session.add(user)
    db.session.flush()
    password = notify.new_account(user, current_user)  # the link by mail, in this transaction
    db.session.commit()
    block = "award" if request.htmx else None
    return detail_page(
        project,
        block=block,
        invited=user,
        invited_password=password,
        invite_form=InviteForm(project, formdata=None),
    )
