"""Forms for reporting an opening and for changing its status."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.clock import local_today
from app.forms import Form
from app.models import Organisation, Rung
from app.openings.models import JobFunction, OpeningStatus


class OpeningForm(Form):
    function = SelectField(
        _l("Function"), validators=[DataRequired(_l("Choose the function of the opening."))]
    )
    trade = StringField(
        _l("Trade"), validators=[Length(max=100, message=_l("At most %(max)d characters."))]
    )
    # The choices are checked in validate_company_id, with a message that says what is wrong.
    company_id = SelectField(
        _l("Company"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose the company the opening is with."))],
    )
    # InputRequired, not DataRequired: a malformed date keeps its own "not a valid date" message.
    expected_start = DateField(
        _l("Expected start"),
        validators=[InputRequired(_l("Give the date the opening is expected to start."))],
    )
    rung = SelectField(_l("Suits the rung"), default=Rung.INTERNSHIP.value)
    note = TextAreaField(
        _l("Note"), validators=[Length(max=1000, message=_l("At most %(max)d characters."))]
    )

    def __init__(self, *args, companies: list[Organisation], **kwargs):
        """`companies`: the companies this user may report for, in the order to offer them."""
        super().__init__(*args, **kwargs)
        self.function.choices = [("", gettext("Choose…"))] + [
            (f.value, gettext(f.label)) for f in JobFunction
        ]
        self.rung.choices = [(r.value, gettext(r.label)) for r in Rung]
        choices = [(c.id, c.name) for c in companies]
        if len(choices) > 1 and not self.company_id.data:
            choices.insert(0, (0, gettext("Choose…")))
        self.company_id.choices = choices
        self.allowed_company_ids = {c.id for c in companies}

    def validate_company_id(self, field):
        if field.data not in self.allowed_company_ids:
            raise ValidationError(
                _l("You can only report openings for a company that takes part in the project.")
            )

    def validate_expected_start(self, field):
        if field.data and field.data < local_today():
            raise ValidationError(_l("The expected start cannot be in the past."))


class StatusForm(Form):
    status = SelectField(_l("Status"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, gettext(s.label)) for s in OpeningStatus]
