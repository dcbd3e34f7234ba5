import math
from dataclasses import replace

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app import coefficient as coefficients
from app.access import get_project_or_404, roles, signed_in
from app.agreements import comments, service
from app.agreements.blueprint import bp
from app.agreements.diff import document_diff
from app.agreements.document import RenderError
from app.agreements.document_model import head_html, section_html, to_html, to_text
from app.agreements.variables import INPUT_VARIABLES, coerce_value
from app.audit import log as audit
from app.extensions import db
from app.forms import EmptyForm
from app.i18n import N_
from app.models import STAFF_ROLES, Project, Role
from app.training import USUAL_APPRENTICESHIP_MONTHS, Calculation, calculate, danish_decimal
from app.web import download, parse_id, render, wants_fragment

DRAFTERS = (*STAFF_ROLES, Role.CLIENT)

# The editor's field groups, in the order a drafter fills them in.
FIELD_GROUPS = (
    (
        N_("Parties and project"),
        ("project_name", "project_address", "client_name", "main_contractor_name", "housing_areas"),
    ),
    (
        N_("Targets"),
        (
            "apprenticeships_min",
            "courses_min",
            "count_rule",
            "apprentice_aarsvaerk",
            "trades_budget",
        ),
    ),
    (
        N_("The ladder"),
        (
            "internship_weeks_min",
            "internship_weeks_max",
            "wage_subsidy_months",
            "ordinary_months_min",
        ),
    ),
    (
        N_("Contacts and dates"),
        (
            "coordinator_name",
            "coordinator_contact",
            "execution_start",
            "execution_end",
            "kickoff_weeks",
            "client_contact_name",
            "client_contact_role",
            "client_contact_phone",
            "client_contact_email",
            "contractor_contact_name",
            "contractor_contact_role",
            "contractor_contact_phone",
            "contractor_contact_email",
        ),
    ),
    (
        N_("Contract and consequences"),
        (
            "municipality",
            "contract_appendix",
            "precedence",
            "consequence",
            "penalty_course",
            "penalty_apprenticeship",
            "candidate_weeks",
            "data_controller",
        ),
    ),
)


def can_draft(project: Project) -> bool:
    """Staff draft every agreement; a client user drafts their own association's."""
    if current_user.is_staff:
        return True
    return current_user.role == Role.CLIENT and project.client_id == current_user.organisation_id


def can_approve(project: Project) -> bool:
    return current_user.role == Role.CLIENT and project.client_id == current_user.organisation_id


def _draftable_project(project_id: int) -> Project:
    project = get_project_or_404(project_id)
    if not can_draft(project):
        abort(403)
    return project


def _visible_version(project: Project, number: int, options: tuple = ()):
    """A version the user may read: drafters see every version, others the approved one. One
    query either way, with the author (the downloads name them); `options` for the loader."""
    if can_draft(project):
        version = service.get_version(project, number, with_author=True, options=options)
    else:
        version = service.approved_version(project, with_author=True, options=options)
        if version is not None and version.number != number:
            version = None
    if version is None:
        abort(404)
    return version


def _translate(errors: dict) -> dict[str, list[str]]:
    return {field: [m.format(_) for m in messages] for field, messages in errors.items()}


def _with_coefficient(draft, coefficient):
    """The admin's coefficient and its source go into the draft on the server, never from the
    form, so that the text and the stored version carry the figure the calculator used."""
    draft.values["training_coefficient"] = format(coefficient.value, "f")
    draft.values["training_coefficient_source"] = coefficient.source
    return draft


def _calculation(draft, coefficient) -> Calculation:
    """The target calculator on the draft's values as typed (values that do not read as
    numbers or dates count as missing)."""

    def value(name):
        return coerce_value(INPUT_VARIABLES[name], draft.values.get(name))[0]

    start, end = value("execution_start"), value("execution_end")
    if start and end and end < start:
        start = end = None
    return calculate(
        value("trades_budget"),
        coefficient.value,
        start,
        end,
        value("apprenticeships_min"),
        value("courses_min"),
    )


def _suggest(draft, coefficient):
    """Fill the targets with the calculator's suggestion (the client can change them again)."""
    calc = _calculation(draft, coefficient)
    if calc.suggested_apprenticeships is None:
        return draft
    values = dict(draft.values)
    values["apprenticeships_min"] = str(calc.suggested_apprenticeships)
    values["courses_min"] = str(calc.suggested_courses)
    values["apprentice_aarsvaerk"] = str(math.ceil(round(calc.required or 0, 6)))
    return replace(draft, values=values)


def _editor_context(project, draft, errors, base_number, with_wording=True, **extra):
    lib = service.library()
    coefficient = extra.pop("coefficient", None) or coefficients.current()
    preview, preview_errors = _preview(draft, errors)
    return dict(
        calc=_calculation(draft, coefficient),
        coefficient=coefficient,
        danish_decimal=danish_decimal,
        project=project,
        draft=draft,
        values=draft.values,
        errors=errors,
        base_number=base_number,
        clauses=[(choice, lib.get(choice.key)) for choice in draft.clauses],
        # The adapt boxes' library wording (a second rendering of the whole agreement).
        wording=service.library_wording(draft) if with_wording else {},
        variables=INPUT_VARIABLES,
        groups=FIELD_GROUPS,
        preview=preview,
        preview_errors=preview_errors,
        usual_months=USUAL_APPRENTICESHIP_MONTHS,
        **extra,
    )


def _preview(draft, errors):
    if errors:
        return None, errors
    try:
        return Markup(to_html(service.render(service.library(), draft))), {}
    except RenderError:
        return None, {"clauses": [_("The text could not be rendered. Check the adapted clauses.")]}


@bp.get("")
@signed_in
def overview(project_id: int):
    """Show the project's agreement: the approved version, the versions, and what to do next."""
    project = get_project_or_404(project_id)
    drafter = can_draft(project)
    approved = service.approved_version(project)
    versions = service.versions(project) if drafter else ([approved] if approved else [])
    return render(
        "agreements/overview.html",
        project=project,
        versions=versions,
        approved=approved,
        drafter=drafter,
        approver=can_approve(project),
        form=EmptyForm(),
    )


@bp.route("/draft", methods=["GET", "POST"])
@roles(*DRAFTERS)
def draft(project_id: int):
    """Edit the draft beside a live preview; saving creates a new numbered version."""
    project = _draftable_project(project_id)
    if request.method == "GET":
        latest = service.latest_version(project)
        coefficient = coefficients.current()
        copy = service.working_copy(project, current_user)
        if copy is not None:  # the user's unsaved work, as they left it
            form = MultiDict([(name, value) for name, vs in copy.form.items() for value in vs])
            draft = _with_coefficient(service.draft_from_form(form), coefficient)
            context = _editor_context(
                project,
                draft,
                {},
                copy.base_number,
                coefficient=coefficient,
                latest=latest,
                restored=copy,
                note=form.get("note", ""),
                threads=_open_threads(project, copy.base_number),
            )
            return render("agreements/draft.html", **context)
        draft = service.draft_for_editing(project, latest)
        stored = latest.content.get("values", {}) if latest else {}
        if stored.get("trades_budget") is None:  # a new draft, or one saved without a budget
            draft.values["trades_budget"] = project.trades_budget
        _with_coefficient(draft, coefficient)
        context = _editor_context(
            project,
            draft,
            {},
            latest.number if latest else 0,
            coefficient=coefficient,
            latest=latest,
            threads=_open_threads(project, latest.number if latest else 0),
        )
        return render("agreements/draft.html", **context)

    coefficient = coefficients.current()
    draft = _with_coefficient(service.draft_from_form(request.form), coefficient)
    base_number = _int(request.form.get("base_number"))
    if request.form.get("suggest") or request.form.get("calculate"):
        # Advice only: fill in (or recalculate) the targets, save nothing.
        if request.form.get("suggest"):
            draft = _suggest(draft, coefficient)
        errors = _translate(service.check(draft))
        context = _editor_context(project, draft, errors, base_number, coefficient=coefficient)
        return render("agreements/draft.html", block="editor", oob_blocks=("preview",), **context)
    if reset := request.form.get("reset"):
        # Back to the library's text for one clause: its box is filled with that text again.
        draft.clauses = [replace(c, override=None) if c.key == reset else c for c in draft.clauses]
        errors = _translate(service.check(draft))
        context = _editor_context(project, draft, errors, base_number, moved=reset)
        return render("agreements/draft.html", block="editor", oob_blocks=("preview",), **context)
    if move := request.form.get("move"):
        key, _sep, direction = move.partition(":")
        draft = service.move_clause(draft, key, direction)
        errors = _translate(service.check(draft))
        context = _editor_context(project, draft, errors, base_number, moved=key)
        return render("agreements/draft.html", block="editor", oob_blocks=("preview",), **context)

    errors = _translate(service.check(draft))
    if errors:
        context = _editor_context(project, draft, errors, base_number)
        return render("agreements/draft.html", status=422, **context)
    try:
        version = service.save_version(
            project, draft, current_user, base_number, request.form.get("note", "")
        )
    except service.VersionConflict as conflict:
        latest = conflict.latest
        # Keep the user's text; a second save, now based on the newer version, goes through.
        context = _editor_context(project, draft, {}, latest.number, conflict=latest)
        return render("agreements/draft.html", status=409, **context)
    service.discard_working_copy(project, current_user)  # saved: nothing left to restore
    db.session.commit()
    flash(_("Version %(number)d was saved.", number=version.number), "success")
    return redirect(
        url_for("agreements.version", project_id=project.id, number=version.number), code=303
    )


def _open_threads(project, number: int) -> dict:
    """The comment threads beside the editor's clauses: those on the version being edited."""
    return comments.threads(db.session, project.id, number) if number else {}


@bp.post("/draft/autosave")
@roles(*DRAFTERS)
def autosave(project_id: int):
    """Keep the editor as typed as the user's working copy (htmx, after a moment of quiet);
    not a version. Says when, and whether someone saved a newer version meanwhile."""
    project = _draftable_project(project_id)
    if not wants_fragment():  # only the editor's htmx posts here
        return redirect(url_for("agreements.draft", project_id=project.id), code=303)
    copy = service.keep_working_copy(project, current_user, request.form)
    latest = service.latest_version(project, with_author=True)
    return render(
        "agreements/draft.html",
        block="autosave_status",
        project=project,
        saved=copy,
        newer=latest if latest and copy and latest.number != copy.base_number else None,
    )


@bp.post("/draft/discard")
@roles(*DRAFTERS)
def discard(project_id: int):
    """Throw the working copy away and start again from the latest version."""
    project = _draftable_project(project_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.discard_working_copy(project, current_user)
    db.session.commit()
    flash(_("Your working copy was discarded."), "info")
    return redirect(url_for("agreements.draft", project_id=project.id), code=303)


@bp.post("/preview")
@roles(*DRAFTERS)
def preview(project_id: int):
    """Render the preview of the draft as typed so far (htmx, debounced)."""
    project = _draftable_project(project_id)
    coefficient = coefficients.current()
    draft = _with_coefficient(service.draft_from_form(request.form), coefficient)
    errors = _translate(service.check(draft))
    # The whole editor's context: without htmx the whole page is rendered, not just the block.
    # An htmx preview shows the preview and the calculator only, not the editor's adapt boxes.
    context = _editor_context(
        project,
        draft,
        errors,
        _int(request.form.get("base_number")),
        with_wording=not wants_fragment(),
        coefficient=coefficient,
    )
    return render("agreements/draft.html", block="preview", oob_blocks=("calculator",), **context)


@bp.get("/v<int:number>")
@signed_in
def version(project_id: int, number: int):
    """Show one version as it reads, with its downloads and approval."""
    project = get_project_or_404(project_id)
    version = _visible_version(project, number)
    approved = service.approved_version(project)
    drafter = can_draft(project)
    doc = service.document_for(version)
    context = dict(
        project=project,
        version=version,
        approved=approved,
        latest=version,
        drafter=drafter,
        approver=can_approve(project),
        form=EmptyForm(),
    )
    if not drafter:  # contractors read the agreement in force, without the comments
        return render("agreements/version.html", html=Markup(to_html(doc)), **context)
    context["latest"] = service.latest_version(project)
    return render(
        "agreements/version.html",
        html=None,
        head=Markup(head_html(doc)),
        sections=[(section.key, Markup(section_html(section))) for section in doc.sections],
        threads=comments.threads(db.session, project.id, version.number),
        comment_errors={},
        **context,
    )


@bp.get("/v<int:number>.docx")
@signed_in
def docx(project_id: int, number: int):
    """Download a version as a Word file for the tender (kept per worker: a version's words
    never change, and the key holds every name the file shows)."""
    project = get_project_or_404(project_id)
    version = _visible_version(project, number, service.without_words())
    return download(
        service.cached_docx_for(version),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        service.download_name(version, "docx"),
    )


@bp.get("/v<int:number>.txt")
@signed_in
def text(project_id: int, number: int):
    """Download a version as plain text, for pasting into other tender material."""
    project = get_project_or_404(project_id)
    version = _visible_version(project, number)
    body = to_text(service.document_for(version))
    return download(
        body.encode("utf-8"), "text/plain; charset=utf-8", service.download_name(version, "txt")
    )


def _approvable(project_id: int, number: int):
    project = get_project_or_404(project_id)
    if not can_approve(project):
        abort(403)
    return project, _visible_version(project, number)


def _approval_context(project, version, latest, **extra) -> dict:
    """What the confirmation step shows: the changes against the agreement in force (or the
    library's standard text when none is), who approves and for which organisation."""
    in_force = service.approved_version(project)
    base = service.stored_document(in_force) if in_force else service.standard_document(version)
    return dict(
        project=project,
        version=version,
        latest=latest,
        in_force=in_force,
        diff=_diff(base, service.stored_document(version)),
        organisation=current_user.organisation,
        form=EmptyForm(),
        errors={},
        **extra,
    )


def _not_latest(project, version, latest):
    """Only the latest version can be approved: an older one answers 409 and says why."""
    message = _(
        "Only the latest version can be approved. Version %(latest)d is newer than version"
        " %(number)d: read it before approving.",
        latest=latest.number,
        number=version.number,
    )
    return render(
        "agreements/approve.html",
        block="panel",
        status=409,
        **_approval_context(project, version, latest, stale=message),
    )


@bp.get("/v<int:number>/approve")
@roles(Role.CLIENT)
def confirm_approval(project_id: int, number: int):
    """The confirmation step before approving: the changes, who approves, for whom (a page,
    or a panel on the version page for htmx)."""
    project, version = _approvable(project_id, number)
    if version.is_approved:
        flash(_("Version %(number)d is already approved.", number=number), "info")
        return redirect(url_for("agreements.version", project_id=project.id, number=number))
    latest = service.latest_version(project)
    if latest.number != version.number:
        return _not_latest(project, version, latest)
    context = _approval_context(project, version, latest)
    return render("agreements/approve.html", block="panel", **context)


@bp.post("/v<int:number>/approve")
@roles(Role.CLIENT)
def approve(project_id: int, number: int):
    """Approve the latest version on behalf of the client, once confirmed; it becomes the
    agreement in force. The form carries the number of the latest version the user saw, so
    a version saved in the meantime makes the approval a conflict (409), not a surprise."""
    project, version = _approvable(project_id, number)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if version.is_approved:
        flash(_("Version %(number)d is already approved.", number=number), "info")
        return redirect(
            url_for("agreements.version", project_id=project.id, number=number), code=303
        )
    latest = service.latest_version(project)
    if latest.number != version.number or _int(request.form.get("latest")) != latest.number:
        return _not_latest(project, version, latest)
    if not request.form.get("confirm"):
        errors = {"confirm": [_("Tick the box to confirm the approval.")]}
        context = _approval_context(project, version, latest)
        context["errors"] = errors
        return render("agreements/approve.html", status=422, **context)
    audit.record("approve_agreement", target=f"project:{project.id} agreement:{version.label}")
    service.approve(version, current_user)
    flash(
        _("Version %(number)d is approved and is now the agreement in force.", number=number),
        "success",
    )
    return redirect(url_for("agreements.version", project_id=project.id, number=number), code=303)


def _diff(old_doc, new_doc):
    return document_diff(
        old_doc,
        new_doc,
        deleted=_("deleted:"),
        inserted=_("inserted:"),
        title_label=_("Title"),
    )


LIBRARY = "library"


@bp.get("/compare")
@roles(*DRAFTERS)
def compare(project_id: int):
    """Compare two versions (or a version with the library's standard text) clause by clause:
    by default only the changed clauses, `all=1` the whole text."""
    project = _draftable_project(project_id)
    versions = service.versions(project)
    if not versions:
        flash(_("There is no version to compare yet."), "info")
        return redirect(url_for("agreements.overview", project_id=project.id), code=303)
    by_number = {v.number: v for v in versions}
    new = by_number.get(_int(request.args.get("to")), versions[0])
    older = [v for v in versions if v.number < new.number]
    asked = request.args.get("from")
    if asked == LIBRARY or (asked is None and not older):
        old, old_doc = None, service.standard_document(new)
    else:
        old = by_number.get(_int(asked)) or (older[0] if older else versions[-1])
        old_doc = service.stored_document(old)
    diff = _diff(old_doc, service.stored_document(new))
    return render(
        "agreements/compare.html",
        project=project,
        versions=versions,
        old=old,
        new=new,
        diff=diff,
        show_all=request.args.get("all") == "1",
        library_key=LIBRARY,
    )


def _int(value) -> int:
    return parse_id(value) or 0
