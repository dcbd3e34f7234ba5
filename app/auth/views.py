from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from app.access import public, signed_in
from app.auth import bp
from app.auth.forms import LoginForm, PasswordChangeForm
from app.extensions import db
from app.models import User, utcnow
from app.web import render

# Checked against a dummy hash when the email is unknown, so the answer takes as long
# as for a wrong password and does not reveal which accounts exist.
_DUMMY = User(password_hash="")
_DUMMY.set_password("not-a-real-password")


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("core.home"), code=303)
        if user is None:
            _DUMMY.check_password(form.password.data)
        form.password.errors.append(_("The email or password is not correct."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render("auth/login.html", form=form, status=status)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out here and in every other browser the user is signed in to."""
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    """Change one's own password; other sessions are signed out."""
    form = PasswordChangeForm(current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        user.set_password(form.new_password.data)
        user.session_version += 1
        db.session.commit()
        login_user(user)  # keep this session, with the new version
        flash(_("Your password has been changed. Other sessions are signed out."), "success")
        return redirect(url_for("core.home"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/password.html", form=form, status=status)
