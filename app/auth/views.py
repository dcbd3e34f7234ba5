"""Sign-in, confirming the password again, sign-out and password change."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from app.access import public, signed_in
from app.audit import log as audit
from app.auth import sessions, throttle
from app.auth.blueprint import bp
from app.auth.forms import ConfirmPasswordForm, LoginForm, PasswordChangeForm
from app.auth.urls import safe_next
from app.extensions import db
from app.models import User, utcnow
from app.web import render

__all__ = ["safe_next"]

# Checked against a dummy hash (same scrypt parameters) when the email is unknown, so every
# sign-in runs exactly one password hash check: an unknown, a disabled and an active account
# take as long, and the timing does not reveal which accounts exist or are disabled.
_DUMMY = User(password_hash="")
_DUMMY.set_password("not-a-real-password")


def _locked(template: str, minutes: int, **context):
    """The form again with a notice, as 429 Too Many Requests with a Retry-After."""
    notice = ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.",
        minutes,
    )
    response = render(template, notice=notice, status=429, **context)
    response.headers["Retry-After"] = str(minutes * 60)
    return response


def _failed(email: str, user: User | None, target: str = "") -> int | None:
    """Log and count a failed password; return the minutes of a lock it started, if any."""
    audit.record("sign_in_failed", target=target, user=user)  # the user id only, no email
    db.session.commit()
    locked = throttle.register_failure(email)
    for kind in sorted(locked):
        audit.record("sign_in_locked", target=kind, user=user)
    if locked:
        db.session.commit()
        return throttle.locked_minutes(email)
    return None


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
        # A locked address answers the same whether or not the account exists.
        if minutes := throttle.locked_minutes(email):
            return _locked("auth/login.html", minutes, form=form)
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        # Always one hash check, whatever the account: never short-circuit on `active`.
        correct = (user or _DUMMY).check_password(form.password.data)
        if user is not None and user.active and correct:
            throttle.clear_account(email)
            login_user(user)
            sessions.mark_signed_in()
            user.last_login_at = utcnow()
            audit.record("sign_in", user=user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("core.home"), code=303)
        if minutes := _failed(email, user):
            return _locked("auth/login.html", minutes, form=form)
        form.password.errors.append(_("The email or password is not correct."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render("auth/login.html", form=form, status=status)


@bp.route("/confirm", methods=["GET", "POST"])
@signed_in
def confirm():
    """Enter the password again before a sensitive action, then carry on with it."""
    form = ConfirmPasswordForm(next=request.args.get("next", ""))
    user = current_user._get_current_object()
    status = 200
    if form.validate_on_submit():
        if minutes := throttle.locked_minutes(user.email):
            return _locked("auth/confirm.html", minutes, form=form)
        if user.check_password(form.password.data):
            throttle.clear_account(user.email)
            sessions.mark_password_entered()
            audit.record("password_confirmed", user=user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("core.home"), code=303)
        if minutes := _failed(user.email, user, target="confirm"):
            return _locked("auth/confirm.html", minutes, form=form)
        form.password.errors.append(_("The password is not correct."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render("auth/confirm.html", form=form, status=status)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out here and in every other browser the user is signed in to."""
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    sessions.forget()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    """Change one's own password; other sessions are signed out."""
    form = PasswordChangeForm(current_user)
    user = current_user._get_current_object()
    # The current password is checked here too, so it is rate-limited like sign-in.
    if form.is_submitted() and (minutes := throttle.locked_minutes(user.email)):
        return _locked("auth/password.html", minutes, form=form)
    if form.validate_on_submit():
        user.set_password(form.new_password.data)
        user.session_version += 1
        audit.record("password_changed", user=user)
        db.session.commit()
        login_user(user)  # keep this session, with the new version
        sessions.mark_password_entered()
        flash(_("Your password has been changed. Other sessions are signed out."), "success")
        return redirect(url_for("core.home"), code=303)
    if form.wrong_current_password and (minutes := _failed(user.email, user, "password")):
        return _locked("auth/password.html", minutes, form=form)
    status = 422 if form.is_submitted() else 200
    return render("auth/password.html", form=form, status=status)
