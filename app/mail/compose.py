"""Composing mails: plain text and HTML from templates/mail/<name>.txt and .html, in the
recipient's language, with absolute links to the product (PUBLIC_BASE_URL)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _

from app.enums import MailKind
from app.mail.outbox import Mailable
from app.models import User


class Msg(str):
    """A subject value that is itself a msgid: translated with the subject."""


DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """The product's address: PUBLIC_BASE_URL, else the address of the current request."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEFAULT_BASE_URL


def link(endpoint: str, **values) -> str:
    """An absolute URL for `endpoint`, also outside a request (the CLI, the sender)."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _render(name: str, **context) -> str:
    """A mail template on its own: no page context processors (they need a request, and a
    mail is also composed by the CLI)."""
    return current_app.jinja_env.get_template(name).render(**context)


def language_of(user: User | None) -> str:
    language = getattr(user, "language", None)
    return language if language in current_app.config["LANGUAGES"] else "da"


def compose(
    kind: MailKind,
    template: str,
    recipient: str,
    user: User | None,
    subject: str,
    subject_values: dict | None = None,
    **context,
) -> Mailable:
    """Render the mail in the recipient's language. `subject` is an English msgid, translated
    here (formatted with `subject_values`)."""
    with force_locale(language_of(user)):
        context |= {"user": user, "settings_url": link("mail.settings")}
        values = {
            key: _(value) if isinstance(value, Msg) else value
            for key, value in (subject_values or {}).items()
        }
        title = _(subject, **values)
        context = {k: _(v) if isinstance(v, Msg) else v for k, v in context.items()}
        text = _render(f"mail/{template}.txt", subject=title, **context)
        html = _render(f"mail/{template}.html", subject=title, **context)
    return Mailable(
        kind=kind,
        recipient=recipient,
        subject=" ".join(title.split())[:300],
        text=text,
        html=html,
        user_id=user.id if user is not None else None,
    )
