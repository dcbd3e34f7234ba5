"""Upload a file, see every row checked (the dry run), then confirm to import all of it.

Between the dry run and the confirmation nothing is kept on the server. The confirmation sends
the same file again (with htmx the results appear below the upload field, whose selection is
kept) together with a token signed with SECRET_KEY that names the checked file's SHA-256 and
the user. The file is checked again in full before anything is saved, so a tampered token or a
different file can never smuggle unchecked rows in.
"""

from __future__ import annotations

from hashlib import sha256

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from app.access import staff_only
from app.imports import columns, importer
from app.imports.blueprint import bp
from app.imports.forms import ImportForm
from app.imports.reader import MAX_UPLOAD_BYTES
from app.web import redirect_after_write, render

TOKEN_MAX_AGE = 60 * 60  # seconds between the dry run and the confirmation


@bp.url_value_preprocessor
def limit_upload_size(endpoint, values):
    # Runs before every before_request hook, so the limit holds already when the CSRF check
    # reads the form; the margin is room for the multipart envelope and the other fields.
    request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    return _page(ImportForm(formdata=None), problem=_too_large_text(), status=_refused_status(413))


@bp.get("/")
@staff_only
def index():
    """Show the upload form and the columns an import file may have."""
    return _page(ImportForm())


@bp.post("/")
@staff_only
def check():
    """Check the uploaded file row by row and show the result; nothing is saved (dry run)."""
    form = ImportForm()
    data, filename, problem, status = _uploaded(form)
    if problem:
        return _page(form, problem=problem, status=status)
    report = importer.check(data, filename)
    return _page(
        form,
        report=report,
        token=_token_for(data) if report.ok else None,
        status=422 if report.file_errors else 200,
    )


@bp.post("/confirm")
@staff_only
def confirm():
    """Check the file once more and, if it is still clean, import all of it in one transaction."""
    form = ImportForm()
    data, filename, problem, status = _uploaded(form)
    if problem:
        return _page(form, problem=problem, status=status)
    try:
        claims = _serializer().loads(form.token.data or "", max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        return _page(form, problem=_("The check has expired. Check the file again."), status=422)
    except BadSignature:
        abort(400)
    if not isinstance(claims, dict) or claims.get("user") != current_user.id:
        abort(400)
    report = importer.check(data, filename)
    token = _token_for(data) if report.ok else None
    if claims.get("sha256") != sha256(data).hexdigest():
        problem = _(
            "This is not the file you checked. Below is the check of the file you sent; "
            "nothing was imported."
        )
        return _page(form, report=report, token=token, problem=problem, status=422)
    if not report.ok:
        problem = _("The file no longer passes the check, so nothing was imported.")
        return _page(form, report=report, problem=problem, status=422)
    new_candidates, placements = importer.save(report, current_user)
    flash(
        _(
            "Imported %(placements)d placements; %(candidates)d new candidates were registered.",
            placements=placements,
            candidates=new_candidates,
        ),
        "success",
    )
    return redirect_after_write(url_for("imports.index"))


def _uploaded(form: ImportForm):
    """The uploaded bytes and file name, or a problem to show and its status."""
    if not form.validate_on_submit():
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return None, "", problem or _("Choose a file to import."), 422
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return None, "", _too_large_text(), _refused_status(413)
    if not data:
        return None, "", _("The file is empty."), 422
    return data, upload.filename or "", None, 200


def _too_large_text() -> str:
    return _("The file is larger than %(mb)d MB. Split it into smaller files.", mb=5)


def _refused_status(status: int) -> int:
    # htmx swaps only 422 among the client errors (see base.html), so it gets the message then.
    return 422 if request.htmx else status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="imports.confirm")


def _token_for(data: bytes) -> str:
    return _serializer().dumps({"sha256": sha256(data).hexdigest(), "user": current_user.id})


def _page(form, report=None, token=None, problem=None, status=200):
    return render(
        "imports/index.html",
        block="import_result",
        form=form,
        report=report,
        token=token,
        problem=problem,
        columns=columns.COLUMNS,
        required=columns.REQUIRED_COLUMNS,
        message_text=lambda message: message.format(_),
        status=status,
    )
