from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from app.forms import Form


class ImportForm(Form):
    """The upload; the same form checks the file and, with `token` from a clean check,
    imports it."""

    file = FileField(
        _l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a file to import."))]
    )
    token = HiddenField()
