from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.forms import Form
from app.meetings.calendar import COPENHAGEN
from app.meetings.models import PARTICIPANT_SIDES

AT_MOST = _l("At most %(max)d characters.")


class MeetingForm(Form):
    date = DateField(_l("Date"), validators=[DataRequired(_l("Choose the date."))])
    time = TimeField(_l("Time"), validators=[DataRequired(_l("Choose the time."))])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        default=90,
        validators=[
            DataRequired(_l("Enter the duration in minutes.")),
            NumberRange(15, 480, _l("Between 15 and 480 minutes.")),
        ],
    )
    place = StringField(_l("Place"), validators=[Length(max=300, message=AT_MOST)])
    agenda = TextAreaField(
        _l("Agenda (one item per line)"), validators=[Length(max=5000, message=AT_MOST)]
    )

    def starts_at(self) -> datetime | None:
        """The start as an aware datetime in Copenhagen time."""
        if not (self.date.data and self.time.data):
            return None
        return datetime.combine(self.date.data, self.time.data, tzinfo=COPENHAGEN)


class ParticipantForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the participant's name.")),
            Length(max=200, message=AT_MOST),
        ],
    )
    side = SelectField(_l("Represents"), default="contractor")
    email = EmailField(
        _l("Email (for the invitation)"),
        validators=[Optional(), Email(_l("Enter a valid email address, like name@example.dk."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.side.choices = [(key, gettext(label)) for key, label in PARTICIPANT_SIDES.items()]


class QuestionForm(Form):
    question = TextAreaField(
        _l("Your question"),
        validators=[
            DataRequired(_l("Write your question before you send it.")),
            Length(max=2000, message=AT_MOST),
        ],
    )


class AnswerForm(Form):
    answer = TextAreaField(_l("Answer"), validators=[Length(max=5000, message=AT_MOST)])


class MinutesForm(Form):
    minutes = TextAreaField(_l("Minutes"), validators=[Length(max=20000, message=AT_MOST)])
    decisions = TextAreaField(_l("Decisions"), validators=[Length(max=10000, message=AT_MOST)])
    version = HiddenField()
