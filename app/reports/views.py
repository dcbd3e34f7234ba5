"""Reports and exports: the client's progress report, the portfolio, placements and årsværk.

Who may have what:
- the project progress report (.docx, .xlsx): staff and the project's client users. It is the
  client's report; contractors follow their placements on the progress page and get 403 here
  (a project outside their scope is 404, as everywhere).
- the portfolio (.xlsx) and the apprentice årsværk: staff (all projects) and client users (their
  association's projects); contractors get 403.
- the placements CSV: every signed-in role, scoped and with its own columns (see csv_export).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import abort, flash, redirect, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.access import get_project_or_404, roles, signed_in, staff_only
from app.audit import log as audit
from app.auth.fresh import fresh_required
from app.clock import local_today
from app.extensions import db
from app.models import STAFF_ROLES, Project, Role, utcnow
from app.reports import data, lbf
from app.reports.aarsvaerk import aarsvaerk, totals_per_year
from app.reports.blueprint import bp
from app.reports.csv_export import CSV_MIMETYPE, placements_csv
from app.reports.excel import (
    XLSX_MIMETYPE,
    aarsvaerk_workbook,
    portfolio_workbook,
    project_workbook,
)
from app.reports.forms import NarrativeForm
from app.reports.lbf_excel import lbf_workbook
from app.reports.models import ReportNarrative
from app.reports.word import cached_report_docx
from app.web import download, parse_id, render

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
staff_and_clients = roles(*STAFF_ROLES, Role.CLIENT)


def _export(
    kind: str,
    body: bytes | Iterator[bytes],
    mimetype: str,
    filename: str,
    project_id: int | None = None,
):
    """Log the download (what kind, which project; never its contents), then send it."""
    audit.record("export", target=kind + (f" project:{project_id}" if project_id else ""))
    db.session.commit()
    return download(body, mimetype, filename)


def _report_project(project_id: int) -> Project:
    """The project, if in scope (else 404), for a role that may have its report (else 403)."""
    project = get_project_or_404(project_id)
    if current_user.role == Role.CONTRACTOR:
        abort(403)
    return project


# --- overview pages ----------------------------------------------------------------------------


@bp.get("/reports/")
@signed_in
def index():
    """List the reports and exports the user may download, and the projects to report on."""
    projects = [] if current_user.role == Role.CONTRACTOR else data.portfolio_projects(current_user)
    return render("reports/index.html", projects=projects)


@bp.get("/projects/<int:project_id>/report")
@signed_in
def project_page(project_id: int):
    """Show the downloads of a project's progress report and the coordinator's comment."""
    project = _report_project(project_id)
    narrative = data.narrative_of(project)
    form = NarrativeForm(formdata=None)
    form.text.data = narrative.text if narrative else ""
    form.version.data = str(narrative.version) if narrative else "0"
    return _page(project, narrative, form)


def _page(project, narrative, form, *, status=200, conflict=False, block=None):
    return render(
        "reports/project.html",
        block=block,
        status=status,
        project=project,
        narrative=narrative,
        form=form,
        conflict=conflict,
    )


@bp.post("/projects/<int:project_id>/report/narrative")
@staff_only
def save_narrative(project_id: int):
    """Save the coordinator's comment; a save based on an older version is refused, text kept."""
    project = get_project_or_404(project_id)
    narrative = data.narrative_of(project)
    form = NarrativeForm()
    if not form.validate_on_submit():
        return _page(project, narrative, form, status=422, block="narrative")
    if form.version.data != (str(narrative.version) if narrative else "0"):
        return _conflict(project, form)
    text = (form.text.data or "").strip()
    if narrative is None:
        narrative = ReportNarrative(project_id=project.id, text=text)
        db.session.add(narrative)
    else:
        narrative.text = text
    narrative.updated_by_id = current_user.id
    narrative.updated_at = utcnow()
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):  # saved meanwhile, or created by someone else
        db.session.rollback()
        return _conflict(project, form)
    flash(_("The comment was saved."), "success")
    if request.htmx:
        form = NarrativeForm(formdata=None)
        form.text.data, form.version.data = narrative.text, str(narrative.version)
        return _page(project, narrative, form, block="narrative")
    return redirect(url_for("reports.project_page", project_id=project.id), code=303)


def _conflict(project: Project, form: NarrativeForm):
    """Someone saved first: keep this text in the form, show theirs, overwrite nothing."""
    narrative = data.narrative_of(project)
    form.version.data = str(narrative.version) if narrative else "0"
    return _page(project, narrative, form, status=409, conflict=True, block="narrative")


def reader_language() -> str:
    """'en' when the reader chose English, else 'da' (for the Word report's chart)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "da"


# --- the project report -------------------------------------------------------------------------


@bp.get("/projects/<int:project_id>/report.docx")
@signed_in
@fresh_required
def project_docx(project_id: int):
    """Download the project's progress report for the client as a Word file."""
    project = _report_project(project_id)
    sources = data.report_sources(project, local_today())
    return _export(
        "project_report.docx",
        cached_report_docx(project, sources, reader_language()),
        DOCX_MIMETYPE,
        f"Fremdriftsrapport - {project.name} - {sources.today.isoformat()}.docx",
        project.id,
    )


@bp.get("/projects/<int:project_id>/report.xlsx")
@signed_in
@fresh_required
def project_xlsx(project_id: int):
    """Download the project's progress report for the client as an Excel workbook."""
    project = _report_project(project_id)
    report = data.project_report(project)
    return _export(
        "project_report.xlsx",
        project_workbook(report),
        XLSX_MIMETYPE,
        f"Fremdriftsrapport - {project.name} - {report.overview.today.isoformat()}.xlsx",
        project.id,
    )


# --- across projects ----------------------------------------------------------------------------


@bp.get("/reports/portfolio.xlsx")
@staff_and_clients
@fresh_required
def portfolio_xlsx():
    """Download every project in scope with its targets, results and the societal gain."""
    today = local_today()
    rows = data.portfolio(data.portfolio_projects(current_user), today)
    return _export(
        "portfolio.xlsx",
        portfolio_workbook(rows, today),
        XLSX_MIMETYPE,
        f"Portefølje - sociale partnerskabsaftaler - {today.isoformat()}.xlsx",
    )


@bp.get("/reports/placements.csv")
@signed_in
@fresh_required
def placements_export():
    """Download the placements the user may see as CSV for Excel (optionally one project)."""
    project_id = parse_id(request.args.get("project"))
    if project_id is not None:
        get_project_or_404(project_id)
    rows = data.export_rows(current_user, project_id)  # read while the file is sent
    today = local_today()
    return _export(
        "placements.csv",
        placements_csv(rows, current_user),
        CSV_MIMETYPE,
        f"Forløb - {today.isoformat()}.csv",
        project_id,
    )


def _aarsvaerk(user):
    today = local_today()
    projects = data.portfolio_projects(user)
    rows = aarsvaerk(data.apprenticeship_periods(projects), today)
    return today, {p.id: p for p in projects}, rows, totals_per_year(rows)


@bp.get("/reports/aarsvaerk")
@staff_and_clients
def aarsvaerk_page():
    """Show the apprentices' årsværk per project and calendar year, computed from dates."""
    today, projects, rows, totals = _aarsvaerk(current_user)
    return render(
        "reports/aarsvaerk.html",
        today=today,
        projects=projects,
        rows=rows,
        totals=totals,
        hours=lambda value: format_decimal(value, "#,##0.0"),
        fte=lambda value: format_decimal(value, "#,##0.00"),
    )


@bp.get("/reports/aarsvaerk.xlsx")
@staff_and_clients
@fresh_required
def aarsvaerk_xlsx():
    """Download the apprentices' årsværk per project and year as an Excel workbook."""
    today, projects, rows, totals = _aarsvaerk(current_user)
    return _export(
        "aarsvaerk.xlsx",
        aarsvaerk_workbook(rows, totals, projects, today, data.aarsvaerk_targets(projects)),
        XLSX_MIMETYPE,
        f"Lærlinge - årsværk - {today.isoformat()}.xlsx",
    )


# --- the yearly report to Landsbyggefonden -------------------------------------------------------

FIRST_REPORT_YEAR = 2010


def _report_year(today):
    """The year asked for (default: the previous one), and a message when it is not a year."""
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return lbf.default_year(today), None
    if raw.isdigit() and FIRST_REPORT_YEAR <= int(raw) <= today.year:
        return int(raw), None
    return lbf.default_year(today), _(
        "Choose a year from %(first)d to %(last)d.", first=FIRST_REPORT_YEAR, last=today.year
    )


@bp.get("/reports/lbf")
@staff_and_clients
def lbf_page():
    """Show the yearly apprentice report to LBF, prefilled per organisation and project, each
    figure with the placements behind it."""
    today = local_today()
    year, problem = _report_year(today)
    return render(
        "reports/lbf.html",
        status=422 if problem else 200,
        year=year,
        year_problem=problem,
        years=range(today.year, FIRST_REPORT_YEAR - 1, -1),
        today=today,
        deadline=lbf.deadline(year),
        blocks=lbf.lbf_report(current_user, year, today),
        fte=lambda value: format_decimal(value, "#,##0.00"),
        hours=lambda value: format_decimal(value, "#,##0.0"),
    )


@bp.get("/reports/lbf.xlsx")
@staff_and_clients
@fresh_required
def lbf_xlsx():
    """Download the yearly apprentice report to LBF as a workbook in the order of LBF's form."""
    today = local_today()
    year, problem = _report_year(today)
    if problem:
        abort(400)
    return _export(
        "lbf.xlsx",
        lbf_workbook(lbf.lbf_report(current_user, year, today), year, today),
        XLSX_MIMETYPE,
        f"Lærlingeindberetning LBF - {year}.xlsx",
    )
