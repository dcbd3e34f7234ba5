from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.access import get_project_or_404, signed_in, staff_only
from app.extensions import db
from app.models import (
    CompanyRole,
    HousingArea,
    Phase,
    Project,
    ProjectCompany,
    Role,
    User,
    utcnow,
)
from app.projects import queries
from app.projects.blueprint import bp
from app.projects.forms import ProjectForm
from app.training import format_kroner, parse_kroner
from app.web import (
    page_arg,
    parse_id,
    redirect_after_write,
    render,
    wants_fragment,
)


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


@bp.get("/")
@signed_in
def index():
    """List the projects the user may see, filtered by phase and association, searchable."""
    q = request.args.get("q", "").strip()[:100]
    phase = request.args.get("phase", "")
    client_id = _int_arg("client_id")
    page = page_arg()

    pagination = queries.project_list(
        current_user,
        page,
        current_app.config["PAGE_SIZE"],
        q=q,
        phase=phase,
        client_id=client_id,
        cap=current_app.config["SEARCH_COUNT_CAP"],
    )
    # The association filter is outside the results block: the htmx fragment does without it.
    associations = [] if wants_fragment() else queries.associations(current_user)
    return render(
        "projects/index.html",
        block="results",
        pagination=pagination,
        projects=pagination.items,
        q=q,
        phase=phase,
        client_id=client_id,
        phases=list(Phase),
        associations=associations,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Create a project; inline on the list page with htmx, a page of its own without."""
    form = ProjectForm()
    if request.method == "POST" and "show_areas" in request.form:
        # Without JavaScript: the areas follow the chosen association; nothing is saved yet.
        return render("projects/new.html", block="project_form", form=form)
    if form.validate_on_submit():
        project = Project(client_id=form.client_id.data)
        _apply(form, project)
        db.session.add(project)
        db.session.flush()
        _sync_companies(form, project)
        db.session.commit()
        flash(_("The project “%(name)s” was created.", name=project.name), "success")
        return redirect_after_write(url_for("projects.detail", project_id=project.id))
    status = 422 if form.is_submitted() else 200
    return render("projects/new.html", block="project_form", form=form, status=status)


@bp.get("/area-options")
@staff_only
def area_options():
    """The target-area checkboxes for the association chosen in the project form."""
    form = ProjectForm(formdata=request.args)
    response = render("projects/_area_options.html", form=form)
    return response


@bp.get("/<int:project_id>")
@signed_in
def detail(project_id: int):
    """Show one project: its facts, and the partnership around it."""
    found = queries.project_with_counts(project_id, current_user)
    if found is None:
        abort(404)
    return detail_page(*found, block="details")


def detail_page(
    project: Project,
    openings: dict[str, int] | None = None,
    status: int = 200,
    block: str | None = None,
    **extra,
):
    """The project page with the agreement, kickoff and openings at a glance; staff also get
    the award tools, contractors their own duties and coming meetings."""
    from app.agreements import service as agreements
    from app.placements.progress_data import project_progress
    from app.projects.forms import AwardForm, InviteForm, SubcontractorForm

    if openings is None:  # after a write: the project is loaded, its counts are not
        openings = queries.project_with_counts(project.id, current_user)[1]
    page = queries.hub(project, openings)
    approved = page.approved
    context = dict(
        project=project,
        approved=approved,
        latest=page.latest,
        # Comments are the client's and the coordinator's negotiation: never a contractor's.
        open_comments=page.open_comments if current_user.role != Role.CONTRACTOR else 0,
        kickoff_meeting=page.kickoff,
        openings=page.openings,
        upcoming=page.upcoming,
        progress=project_progress(project, approved=approved),
    )
    if current_user.role == Role.CONTRACTOR and approved is not None:
        doc = agreements.stored_document(approved)
        context["duties"] = next((s for s in doc.sections if s.key == "contractor_duties"), None)
    if current_user.is_staff:
        company_ids = [pc.company_id for pc in project.companies]
        context["people"] = (
            db.session.scalars(
                select(User)
                .where(User.role == Role.CONTRACTOR, User.organisation_id.in_(company_ids))
                .options(joinedload(User.organisation))
                .order_by(User.name)
            ).all()
            if company_ids
            else []
        )
        extra.setdefault("award_form", AwardForm(formdata=None))
        extra.setdefault("subcontractor_form", SubcontractorForm(project, formdata=None))
        extra.setdefault("invite_form", InviteForm(project, formdata=None))
    return render("projects/detail.html", block=block, status=status, **context, **extra)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(project_id: int):
    """Edit a project in place; an edit based on an outdated version is refused."""
    project = get_project_or_404(project_id)
    form = ProjectForm(obj=project) if request.method == "GET" else ProjectForm()
    if request.method == "GET":
        _fill(form, project)
        return render("projects/edit.html", block="project_form", form=form, project=project)
    if "show_areas" in request.form:  # without JavaScript, as on the new project's page
        return render("projects/edit.html", block="project_form", form=form, project=project)

    if form.validate_on_submit():
        if str(project.version) != (form.version.data or ""):
            return _conflict(form, project)
        _apply(form, project)
        _sync_companies(form, project)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            project = get_project_or_404(project_id)
            return _conflict(form, project)
        flash(_("The project was saved."), "success")
        if request.htmx:
            return detail_page(project, block="details")
        return redirect_after_write(url_for("projects.detail", project_id=project.id))
    return render(
        "projects/edit.html", block="project_form", form=form, project=project, status=422
    )


def _conflict(form: ProjectForm, project: Project):
    """Someone saved first: keep the user's text in the form and say so; overwrite nothing."""
    form.version.data = str(project.version)
    return render(
        "projects/edit.html",
        block="project_form",
        form=form,
        project=project,
        conflict=True,
        status=409,
    )


def _fill(form: ProjectForm, project: Project) -> None:
    form.area_ids.data = [a.id for a in project.areas]
    main = project.main_contractor
    form.main_contractor_id.data = main.id if main else 0
    form.subcontractor_ids.data = [c.id for c in project.subcontractors]
    form.version.data = str(project.version)
    form.trades_budget.data = format_kroner(project.trades_budget)


def _apply(form: ProjectForm, project: Project) -> None:
    project.rename(form.name.data.strip(), (form.address.data or "").strip())
    project.description = (form.description.data or "").strip()
    project.client_id = form.client_id.data
    project.phase = form.phase.data
    project.execution_start = form.execution_start.data
    project.execution_end = form.execution_end.data
    project.trades_budget = parse_kroner(form.trades_budget.data)[0]  # validated already
    project.lbf_supported = bool(form.lbf_supported.data)
    project.updated_at = utcnow()  # bumps the version even when only areas or companies change
    ids = form.area_ids.data or []
    project.areas = (
        list(db.session.scalars(select(HousingArea).where(HousingArea.id.in_(ids)))) if ids else []
    )


def _sync_companies(form: ProjectForm, project: Project) -> None:
    """Make the project's companies match the form: one main contractor, any subcontractors."""
    wanted: dict[int, str] = {c: CompanyRole.SUB for c in form.subcontractor_ids.data or []}
    if form.main_contractor_id.data:
        wanted[form.main_contractor_id.data] = CompanyRole.MAIN
    current = {pc.company_id: pc for pc in project.companies}
    # Remove and demote first, then promote and add, so there is never a moment with
    # two main contractors (a unique index forbids it).
    for company_id, pc in current.items():
        if company_id not in wanted:
            project.companies.remove(pc)
        elif wanted[company_id] == CompanyRole.SUB and pc.role != CompanyRole.SUB:
            pc.role = CompanyRole.SUB
    db.session.flush()
    for company_id, role in wanted.items():
        if company_id in current and current[company_id] in project.companies:
            current[company_id].role = role
        else:
            project.companies.append(ProjectCompany(company_id=company_id, role=role))
