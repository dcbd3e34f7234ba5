"""The erase confirmation: the word on the page must be typed, so a slip erases no one."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from app.forms import Form
from app.gdpr.service import CONFIRM_WORD, confirmation_matches


class EraseForm(Form):
    confirm = StringField(_l("Type %(word)s to confirm", word=CONFIRM_WORD))

    def validate_confirm(self, field):
        if not confirmation_matches(field.data):
            raise ValidationError(
                _l("Type %(word)s exactly as shown to erase the candidate.", word=CONFIRM_WORD)
            )
