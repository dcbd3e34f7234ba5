"""The admin's outbox page, and each user's mail settings (kinds switched off, language)."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, select

from app.access import admin_only, signed_in
from app.audit import log as audit
from app.enums import LANGUAGES, OPTIONAL_MAIL_KINDS, MailChoice, MailKind, OutboxStatus
from app.extensions import db
from app.forms import EmptyForm
from app.mail import outbox
from app.mail.blueprint import bp
from app.mail.models import MailOptOut, OutboxMessage
from app.models import Role
from app.web import redirect_after_write, render

PAGE = 100
OVERVIEWS = (MailKind.DIGEST, MailKind.WEEKLY)


@bp.get("/outbox")
@admin_only
def outbox_page():
    """The outbox, newest first: status, attempts, the last error, the next attempt."""
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE)
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == status)
    rows = db.session.scalars(query).all()
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render(
        "mail/outbox.html",
        rows=rows,
        counts={s: counts.get(s, 0) for s in OutboxStatus},
        current=status,
        statuses=list(OutboxStatus),
        form=EmptyForm(),
        server=outbox.mail_server_configured(),
    )


@bp.post("/outbox/<int:message_id>/retry")
@admin_only
def retry(message_id: int):
    """Try a failed mail again from now, with a fresh round of attempts."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status != OutboxStatus.FAILED:
        flash(_("Only a failed e-mail can be sent again."), "error")
        return redirect_after_write(url_for("mail.outbox_page"))
    outbox.retry(message)
    audit.record("mail_retried", target=f"mail:{message.id}")
    db.session.commit()
    outbox.queued()
    flash(_("The e-mail will be sent again."), "success")
    return redirect_after_write(url_for("mail.outbox_page"))


def _kinds_for(user) -> list[MailKind]:
    """The kinds a user chooses for: the overviews are the coordinators' alone."""
    return [
        kind
        for kind in OPTIONAL_MAIL_KINDS
        if kind not in OVERVIEWS or user.role == Role.COORDINATOR
    ]


def _choices_for(kind: MailKind) -> list[MailChoice]:
    """An overview is itself a bundle: it comes or not."""
    if kind in OVERVIEWS:
        return [MailChoice.IMMEDIATE, MailChoice.OFF]
    return list(MailChoice)


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
def settings():
    """Per kind of notification: at once, in the daily summary, or off; and the language."""
    user = current_user._get_current_object()
    form = EmptyForm()
    status = 200
    kinds = _kinds_for(user)
    chosen = dict(
        db.session.execute(
            select(MailOptOut.kind, MailOptOut.choice).where(MailOptOut.user_id == user.id)
        ).all()
    )
    bad_kinds: set[MailKind] = set()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        language = request.form.get("language", "")
        posted = {kind: request.form.get(f"choice-{kind.value}", "") for kind in kinds}
        bad_kinds = {kind for kind, value in posted.items() if value not in set(_choices_for(kind))}
        if language not in LANGUAGES or bad_kinds:
            status = 422
            chosen |= {
                kind: MailChoice(value) for kind, value in posted.items() if kind not in bad_kinds
            }
        else:
            user.language = language
            db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id))
            for kind, value in posted.items():
                if value != MailChoice.IMMEDIATE:
                    db.session.add(MailOptOut(user_id=user.id, kind=kind, choice=value))
            db.session.commit()
            flash(_("Your e-mail settings were saved."), "success")
            return redirect_after_write(url_for("mail.settings"))
    return render(
        "mail/settings.html",
        kinds=[
            (kind, _choices_for(kind), chosen.get(kind, MailChoice.IMMEDIATE), kind in bad_kinds)
            for kind in kinds
        ],
        languages=LANGUAGES,
        language=user.language,
        form=form,
        status=status,
        bad_language=status == 422 and request.form.get("language") not in LANGUAGES,
        MailKind=MailKind,
    )
