"""Set-password links and the forgotten password ("Glemt adgangskode").

A link (app/auth/tokens.py) comes by e-mail when an account is created or a password is
forgotten; it works once and for 72 hours. The forgotten-password form answers the same
whether or not the account exists, and its requests are rate-limited like sign-in (their own
counters, so asking for links never locks anyone out of signing in).
"""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.access import public
from app.audit import log as audit
from app.auth import throttle, tokens
from app.auth.blueprint import bp
from app.auth.forms import ForgotPasswordForm, SetPasswordForm
from app.auth.views import _locked
from app.extensions import db
from app.mail import notify
from app.models import User
from app.web import render

RESET = "reset"


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a link to set a new password; the answer never says whether the account exists."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if minutes := throttle.locked_minutes(email, RESET):
            return _locked("auth/forgot.html", minutes, form=form)
        throttle.register_failure(email, RESET)  # every request counts toward the limit
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and not user.active:
            user = None
        notify.reset_password(user, email)  # composed either way; queued for an account only
        audit.record("password_reset_requested", user=user)  # the user id only, no address
        db.session.commit()
        return render("auth/forgot.html", form=ForgotPasswordForm(formdata=None), sent=True)
    status = 422 if form.is_submitted() else 200
    return render("auth/forgot.html", form=form, status=status)


@bp.route("/set-password", methods=["GET", "POST"])
@public
def set_password():
    """Choose a password through a link from an e-mail; other sessions end."""
    token = request.values.get("token", "")
    user = tokens.user_for_token(token)
    if user is None:
        message = _("The link is not valid: it has expired or has been used. Ask for a new one.")
        flash(message, "error")
        return redirect(url_for("auth.forgot_password"), code=303)
    form = SetPasswordForm(user)
    if request.method == "GET":
        form.token.data = token
    if form.validate_on_submit():
        user.set_password(form.new_password.data)
        user.session_version += 1  # every session signed in before ends
        audit.record("password_set_by_link", user=user)
        db.session.commit()
        flash(_("Your password is set. Sign in with it now."), "success")
        return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/set_password.html", form=form, user=user, status=status)
