"""The meetings blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
