from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.candidates.models import CONSENT_PURPOSES, REFERRAL_SOURCES, ConversationKind
from app.clock import local_today
from app.extensions import db
from app.forms import Form
from app.models import HousingArea, Organisation, OrganisationKind

AT_MOST = _l("At most %(max)d characters.")


def referral_sources() -> dict[str, str]:
    """The configurable referral list (REFERRAL_SOURCES setting), else the built-in one."""
    return current_app.config.get("REFERRAL_SOURCES") or REFERRAL_SOURCES


def _text(label, max_length=300, **kw):
    return StringField(label, validators=[Length(max=max_length, message=AT_MOST)], **kw)


class CandidateForm(Form):
    first_name = StringField(
        _l("First name"),
        validators=[DataRequired(_l("Enter the first name.")), Length(max=100, message=AT_MOST)],
    )
    last_name = StringField(
        _l("Last name"),
        validators=[DataRequired(_l("Enter the last name.")), Length(max=100, message=AT_MOST)],
    )
    phone = _text(_l("Phone"), 40)
    email = StringField(
        _l("Email"),
        validators=[Optional(), Email(_l("Enter a valid email address, like name@example.dk."))],
    )
    address = _text(_l("Address"))
    association_id = SelectField(_l("Housing association"), coerce=int, default=0)
    area_id = SelectField(_l("Housing area"), coerce=int, default=0)
    referral_source = SelectField(_l("Referred by"), default="job_centre")
    referral_contact = _text(_l("Job-centre consultant or other contact"))
    trades = _text(_l("Trades and work experience"))
    certificates = _text(_l("Certificates (e.g. telehandler, cleaning)"))
    driving_licence = _text(_l("Driving licence"), 100)
    languages = _text(_l("Languages"), 200)
    wishes = TextAreaField(_l("Wishes"), validators=[Length(max=2000, message=AT_MOST)])
    availability = _text(_l("Availability"))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        associations = db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.ASSOCIATION)
            .order_by(Organisation.name)
        ).all()
        areas = db.session.scalars(
            select(HousingArea)
            .join(HousingArea.association)
            .order_by(Organisation.name, HousingArea.name)
        ).all()
        self.areas_by_id = {a.id: a for a in areas}
        self.association_id.choices = [
            (0, gettext("None: does not live in social housing (not eligible)"))
        ] + [(a.id, a.name) for a in associations]
        self.area_id.choices = [(0, gettext("Unknown"))] + [
            (a.id, f"{a.association.name}: {a.name}") for a in areas
        ]
        self.referral_source.choices = [
            (key, gettext(label)) for key, label in referral_sources().items()
        ]

    def validate_area_id(self, field):
        area = self.areas_by_id.get(field.data)
        if area is not None and area.association_id != self.association_id.data:
            raise ValidationError(_l("The housing area belongs to another association."))


class ConversationForm(Form):
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date."))])
    kind = SelectField(_l("Kind"), default=ConversationKind.PRE_MATCH.value)
    notes = TextAreaField(
        _l("Short notes"),
        validators=[Length(max=2000, message=AT_MOST)],
        description=_l("No health or other sensitive details here: use the sensitive notes."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, gettext(k.label)) for k in ConversationKind]

    def validate_held_on(self, field):
        # A log of conversations held, not a calendar (and a future retention conversation
        # would hide an overdue placement from the start page until that day).
        if field.data and field.data > local_today():
            raise ValidationError(_l("A conversation cannot have been held in the future."))


class ConsentForm(Form):
    purpose = SelectField(_l("Consent to"))
    given_on = DateField(_l("Given on"), validators=[DataRequired(_l("Enter the date."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose.choices = [(k, gettext(v)) for k, v in CONSENT_PURPOSES.items()]


class SensitiveNoteForm(Form):
    text = TextAreaField(
        _l("New sensitive note"),
        validators=[
            DataRequired(_l("Write the note before you save it.")),
            Length(max=5000, message=AT_MOST),
        ],
    )
