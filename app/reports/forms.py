"""The coordinator's narrative for a project's progress report."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from app.forms import Form

NARRATIVE_MAX = 10_000


class NarrativeForm(Form):
    text = TextAreaField(
        _l("The coordinator's comment"),
        validators=[Length(max=NARRATIVE_MAX, message=_l("At most %(max)d characters."))],
    )
    # The version the coordinator started from ("0": none saved yet); a newer one is a conflict.
    version = HiddenField()
