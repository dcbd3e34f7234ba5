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

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        app.logger.error("Internal error on %s %s", request.method, request.path)
        return render("errors/error.html", code=500, status=500)
