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


WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
)
WEEKS = ((1, _l("First")), (2, _l("Second")), (3, _l("Third")), (4, _l("Fourth")), (5, _l("Last")))


class SeriesForm(Form):
    week_of_month = SelectField(_l("Which week"), coerce=int, default=1)
    weekday = SelectField(_l("Weekday"), coerce=int, default=1)
    start_time = TimeField(_l("Time"), validators=[DataRequired(_l("Choose the time."))])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        default=60,
        validators=[
            DataRequired(_l("Enter the duration in minutes.")),
            NumberRange(15, 480, _l("Between 15 and 480 minutes.")),
        ],
    )
    place = StringField(_l("Place"), validators=[Length(max=300, message=AT_MOST)])
    first_date = DateField(_l("From"), validators=[DataRequired(_l("Choose the date."))])
    last_date = DateField(_l("Until"), validators=[DataRequired(_l("Choose the date."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.week_of_month.choices = [(n, str(label)) for n, label in WEEKS]
        self.weekday.choices = [(n, str(label)) for n, label in enumerate(WEEKDAYS)]

    def validate_last_date(self, field):
        from wtforms.validators import ValidationError

        if self.first_date.data and field.data and field.data < self.first_date.data:
            raise ValidationError(_l("The series cannot end before it starts."))
        if self.first_date.data and field.data and (field.data - self.first_date.data).days > 1900:
            raise ValidationError(_l("A series can run for at most five years."))


class MoveForm(Form):
    date = DateField(_l("Date"), validators=[DataRequired(_l("Choose the date."))])
    time = TimeField(_l("Time"), validators=[DataRequired(_l("Choose the time."))])
    place = StringField(_l("Place"), validators=[Length(max=300, message=AT_MOST)])


class ActionItemForm(Form):
    text = StringField(
        _l("Action item"),
        validators=[
            DataRequired(_l("Write what is to be done.")),
            Length(max=500, message=AT_MOST),
        ],
    )
    owner = StringField(_l("Who"), validators=[Length(max=200, message=AT_MOST)])
    due_on = DateField(_l("Deadline"), validators=[Optional()])


class MonthlyParticipantForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the participant's name.")),
            Length(max=200, message=AT_MOST),
        ],
    )
    organisation_id = SelectField(_l("Company"), coerce=int, default=0)
