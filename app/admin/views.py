from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.access import admin_only
from app.admin.blueprint import bp
from app.admin.forms import AreaForm, OrganisationForm, UserForm
from app.audit import log as audit
from app.extensions import db
from app.forms import EmptyForm
from app.mail import notify
from app.models import HousingArea, Organisation, User
from app.web import redirect_after_write, render, wants_fragment


@bp.get("/users")
@admin_only
def users():
    """List every user with role, organisation and status."""
    rows = db.session.scalars(
        select(User).options(joinedload(User.organisation)).order_by(User.active.desc(), User.name)
    ).all()
    return render("admin/users.html", users=rows, form=UserForm(), action_form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    """Create a user and show the temporary password once."""
    form = UserForm()
    if form.validate_on_submit():
        user = User(
            email=form.email.data.strip().lower(),
            name=form.name.data.strip(),
            role=form.role.data,
            organisation_id=form.organisation_id.data or None,
            password_hash="-",  # replaced below, once the user has an id for the link
        )
        db.session.add(user)
        db.session.flush()
        password = notify.new_account(user, current_user)
        audit.record("user_created", target=f"user:{user.id} role:{user.role}")
        db.session.commit()
        return render("admin/user_created.html", block="user_form", user=user, password=password)
    status = 422 if form.is_submitted() else 200
    return render("admin/user_new.html", block="user_form", form=form, status=status)


def _set_active(user_id: int, active: bool):
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id and not active:
        flash(_("You cannot disable your own account."), "error")
        return redirect_after_write(url_for("admin.users"))
    user.active = active
    if not active:
        user.session_version += 1  # signs the user out everywhere
    audit.record("user_enabled" if active else "user_disabled", target=f"user:{user.id}")
    db.session.commit()
    if active:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is disabled and can no longer sign in.", name=user.name), "success")
    return redirect_after_write(url_for("admin.users"))


@bp.post("/users/<int:user_id>/disable")
@admin_only
def disable_user(user_id: int):
    """Disable a user: they are signed out and cannot sign in."""
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/enable")
@admin_only
def enable_user(user_id: int):
    """Re-enable a disabled user."""
    return _set_active(user_id, True)


@bp.get("/organisations")
@admin_only
def organisations():
    """List housing associations with their areas, and companies."""
    orgs = db.session.scalars(
        select(Organisation).options(selectinload(Organisation.areas)).order_by(Organisation.name)
    ).all()
    return render("admin/organisations.html", organisations=orgs, form=OrganisationForm())


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_only
def new_organisation():
    """Create a housing association or a company."""
    form = OrganisationForm()
    if request.method == "GET" and request.args.get("kind"):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        org = Organisation(
            kind=form.kind.data, name=form.name.data.strip(), cvr=form.cvr.data or None
        )
        org.active = form.active.data
        db.session.add(org)
        db.session.commit()
        flash(_("“%(name)s” was created.", name=org.name), "success")
        return redirect_after_write(url_for("admin.organisation", org_id=org.id))
    status = 422 if form.is_submitted() else 200
    return render("admin/organisation_new.html", block="org_form", form=form, status=status)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@admin_only
def organisation(org_id: int):
    """Show and edit an organisation; an association also lists its housing areas."""
    org = db.get_or_404(Organisation, org_id)
    form = OrganisationForm(obj=org, organisation=org)
    status = 200
    if request.method == "POST":
        form.kind.data = org.kind  # the kind never changes once created
        if form.validate_on_submit():
            org.name = form.name.data.strip()
            org.cvr = form.cvr.data or None
            org.active = form.active.data
            db.session.commit()
            flash(_("The changes were saved."), "success")
            return redirect_after_write(url_for("admin.organisation", org_id=org.id))
        status = 422
    return render(
        "admin/organisation.html",
        block="org_form",
        org=org,
        form=form,
        area_form=AreaForm(),
        status=status,
    )


@bp.post("/organisations/<int:org_id>/areas")
@admin_only
def add_area(org_id: int):
    """Add a housing area to an association."""
    org = db.get_or_404(Organisation, org_id)
    if org.kind != "association":
        abort(404)
    form = AreaForm()
    status = 422
    if form.validate_on_submit():
        name = form.name.data.strip()
        if any(a.name.lower() == name.lower() for a in org.areas):
            form.name.errors.append(_("The association already has an area with this name."))
        else:
            db.session.add(HousingArea(association=org, name=name))
            db.session.commit()
            flash(_("The area “%(name)s” was added.", name=name), "success")
            if not wants_fragment():
                return redirect_after_write(url_for("admin.organisation", org_id=org.id))
            form, status = AreaForm(formdata=None), 200
    return render(
        "admin/organisation.html",
        block="areas",
        org=org,
        form=OrganisationForm(obj=org, organisation=org),
        area_form=form,
        status=status,
    )


@bp.route("/coefficient", methods=["GET", "POST"])
@admin_only
def coefficient():
    """Show and set the target calculator's coefficient, with its source and its history."""
    from app import coefficient as coefficients
    from app.admin.forms import CoefficientForm

    in_force = coefficients.current()
    form = CoefficientForm()
    if request.method == "GET":
        form = CoefficientForm(formdata=None)
        form.per_million.data = _decimal_text(in_force.value)
        form.source.data = in_force.source
    elif form.validate_on_submit():
        source = form.source.data.strip()
        row = coefficients.set_coefficient(form.per_million.value, source, current_user)
        db.session.flush()
        audit.record(
            "coefficient_set",
            target=f"coefficient:{row.id} {form.per_million.value} was {in_force.value}",
        )
        db.session.commit()
        flash(_("The coefficient was saved and is used from now on."), "success")
        return redirect_after_write(url_for("admin.coefficient"))
    return render(
        "admin/coefficient.html",
        form=form,
        in_force=in_force,
        history=coefficients.history(),
        as_text=_decimal_text,
        status=422 if form.errors else 200,
    )


def _decimal_text(value) -> str:
    """0.06 as the Danish '0,06'."""
    return format(value, "f").replace(".", ",")
