from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.extensions import db
from app.forms import Form
from app.models import Organisation, Phase, Project, ProjectCompany, Rung
from app.placements.models import Outcome, TrainingScheme
from app.web import MAX_ID

ACTIVE_PHASES = (Phase.AWARDED, Phase.EXECUTION)


class PlacementForm(Form):
    candidate_id = IntegerField(
        _l("Candidate"),
        validators=[
            DataRequired(_l("Choose the candidate.")),
            NumberRange(1, MAX_ID, _l("Choose the candidate.")),
        ],
    )
    project_id = SelectField(
        _l("Project"), coerce=int, validators=[DataRequired(_l("Choose the project."))]
    )
    company_id = SelectField(_l("Company"), coerce=int, validate_choice=False)
    rung = SelectField(_l("Rung"), default=Rung.INTERNSHIP.value)
    start_date = DateField(_l("Start"), validators=[DataRequired(_l("Enter the start date."))])
    planned_end = DateField(
        _l("Planned end"),
        validators=[Optional()],
        description=_l("Leave it empty to use the rung's usual duration from the agreement."),
    )
    opening_id = HiddenField()
    # Shown with the reasons when the placement will not count (it starts outside the phase).
    confirm = BooleanField(_l("Save it anyway"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        projects = db.session.scalars(
            select(Project).where(Project.phase.in_(ACTIVE_PHASES)).order_by(Project.name)
        ).all()
        self.project_id.choices = [(0, gettext("Choose…"))] + [(p.id, p.name) for p in projects]
        self.rung.choices = [(r.value, gettext(r.label)) for r in Rung]
        self.company_id.choices = [(0, gettext("Choose the project first"))]
        if self.project_id.data and 0 < self.project_id.data <= MAX_ID:
            companies = db.session.execute(
                select(Organisation.id, Organisation.name)
                .join(ProjectCompany, ProjectCompany.company_id == Organisation.id)
                .where(ProjectCompany.project_id == self.project_id.data)
                .order_by(ProjectCompany.role, Organisation.name)
            ).all()
            self.company_id.choices = [(0, gettext("Choose…"))] + [tuple(c) for c in companies]

    def validate_company_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the company."))


class EndForm(Form):
    version = HiddenField()  # the placement's version the page showed (optimistic locking)
    actual_end = DateField(_l("Ended on"), validators=[DataRequired(_l("Enter the end date."))])
    outcome = SelectField(_l("Outcome"), default=Outcome.COMPLETED.value)
    reason = TextAreaField(
        _l("Reason (when ended early)"),
        validators=[Length(max=1000, message=_l("At most %(max)d characters."))],
    )
    # Shown with the reason when the rung ends before its minimum duration and will not count.
    confirm = BooleanField(_l("End it anyway"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [
            (o.value, gettext(o.label)) for o in Outcome if o != Outcome.NEXT_RUNG
        ]

    def validate_reason(self, field):
        if self.outcome.data == Outcome.ENDED_EARLY and not (field.data or "").strip():
            raise ValidationError(_l("Say briefly why the placement ended early."))


class NextRungForm(Form):
    version = HiddenField()  # the placement's version the page showed (optimistic locking)
    end_on = DateField(
        _l("Last day on this rung"),
        default=date.today,
        validators=[DataRequired(_l("Enter the date."))],
    )
    # Shown with the reasons when a rung will not count (too short, or outside the phase).
    confirm = BooleanField(_l("Move up anyway"))


class TrainingForm(Form):
    """Mark a placement as a person in training, name the scheme, and set the weekly hours."""

    version = HiddenField()  # the placement's version the page showed (optimistic locking)
    training = BooleanField(_l("This person is in training on the site"))
    scheme = SelectField(_l("Training scheme"), default="")
    hours_per_week = IntegerField(
        _l("Hours per week"),
        default=37,
        validators=[
            DataRequired(_l("Enter the weekly hours, 1 to 37.")),
            NumberRange(1, 37, _l("Enter the weekly hours, 1 to 37.")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme.choices = [("", gettext("Choose…"))] + [
            (s.value, gettext(s.label)) for s in TrainingScheme
        ]

    def validate_scheme(self, field):
        if self.training.data and not field.data:
            raise ValidationError(_l("Name the training scheme the person follows."))
