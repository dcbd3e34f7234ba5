"""Error pages in the user's language; a 500 never shows a traceback."""

from flask import request
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.web import render


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (403, 404, 405, 400, 429):
            return render("errors/error.html", code=error.code, status=error.code)
        return error

    @app.errorhandler(OverflowError)
    def number_out_of_range(error: OverflowError):
        # An id or page number in the URL too large for the database (SQLite stops at 2**63):
        # no such object, so the same 404 as for any missing one, never a 500.
        db.session.rollback()
        app.logger.warning("Number out of range on %s %s", request.method, request.path)
        return render("errors/error.html", code=404, status=404)

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        app.logger.error("Internal error on %s %s", request.method, request.path)
        return render("errors/error.html", code=500, status=500)
