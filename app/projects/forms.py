from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.forms import NewUserForm
from app.extensions import db
from app.forms import Form
from app.models import HousingArea, Organisation, OrganisationKind, Phase
from app.training import parse_kroner

CONTRACTOR_PHASES = {Phase.AWARDED, Phase.EXECUTION, Phase.COMPLETED}
DATED_PHASES = {Phase.EXECUTION, Phase.COMPLETED}


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProjectForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the project a name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    address = StringField(
        _l("Address"), validators=[Length(max=300, message=_l("At most %(max)d characters."))]
    )
    client_id = SelectField(
        _l("Client (housing association)"),
        coerce=int,
        validators=[DataRequired(_l("Choose the housing association."))],
    )
    area_ids = CheckboxListField(_l("Target housing areas"), coerce=int)
    phase = SelectField(_l("Phase"), default=Phase.TENDER.value)
    execution_start = DateField(_l("Execution starts"), validators=[Optional()])
    execution_end = DateField(_l("Execution ends"), validators=[Optional()])
    main_contractor_id = SelectField(_l("Main contractor"), coerce=int, default=0)
    subcontractor_ids = CheckboxListField(_l("Subcontractors"), coerce=int)
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=5000, message=_l("At most %(max)d characters."))],
    )
    trades_budget = StringField(_l("Trades budget (DKK)"))
    lbf_supported = BooleanField(_l("Supported by Landsbyggefonden (LBF)"))
    # The version the user started editing from; a newer one in the database is a conflict.
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        associations = db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.ASSOCIATION, Organisation.active)
            .order_by(Organisation.name)
        ).all()
        companies = db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.COMPANY, Organisation.active)
            .order_by(Organisation.name)
        ).all()
        areas = db.session.scalars(
            select(HousingArea)
            .join(HousingArea.association)
            .order_by(Organisation.name, HousingArea.name)
        ).all()
        self.areas_by_id = {a.id: a for a in areas}
        self.client_id.choices = [(0, gettext("Choose…"))] + [(a.id, a.name) for a in associations]
        self.area_ids.choices = [(a.id, f"{a.association.name}: {a.name}") for a in areas]
        self.phase.choices = [(p.value, gettext(p.label)) for p in Phase]
        self.main_contractor_id.choices = [(0, gettext("None yet"))] + [
            (c.id, c.name) for c in companies
        ]
        self.subcontractor_ids.choices = [(c.id, c.name) for c in companies]

    def validate_area_ids(self, field):
        wrong = [
            self.areas_by_id[i].name
            for i in field.data or []
            if i in self.areas_by_id and self.areas_by_id[i].association_id != self.client_id.data
        ]
        if wrong:
            raise ValidationError(
                _l("These areas belong to another association: %(areas)s", areas=", ".join(wrong))
            )

    def validate_trades_budget(self, field):
        value, problem = parse_kroner(field.data)
        if problem:
            raise ValidationError(_l(problem))
        self.budget_value = value

    def validate_execution_start(self, field):
        if self.phase.data in DATED_PHASES and not field.data:
            raise ValidationError(_l("A project in execution needs the date execution starts."))

    def validate_execution_end(self, field):
        start = self.execution_start.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def validate_main_contractor_id(self, field):
        if self.phase.data in CONTRACTOR_PHASES and not field.data:
            raise ValidationError(_l("Name the main contractor of an awarded project."))
        if self.phase.data == Phase.TENDER and field.data:
            raise ValidationError(
                _l("A project in tender has no contractor yet. Choose the phase Awarded.")
            )

    def validate_subcontractor_ids(self, field):
        if self.main_contractor_id.data and self.main_contractor_id.data in (field.data or []):
            raise ValidationError(
                _l("The main contractor cannot also be a subcontractor on the same project.")
            )
        if field.data and not self.main_contractor_id.data:
            raise ValidationError(_l("Subcontractors join a project after it has been awarded."))


class AwardForm(Form):
    """Award a tendered project: name the main contractor (subcontractors can follow later)."""

    main_contractor_id = SelectField(
        _l("Main contractor"),
        coerce=int,
        validators=[DataRequired(_l("Choose the main contractor."))],
    )
    execution_start = DateField(_l("Execution starts"), validators=[Optional()])
    execution_end = DateField(_l("Execution ends"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.main_contractor_id.choices = [(0, gettext("Choose…"))] + _company_choices()

    def validate_execution_end(self, field):
        start = self.execution_start.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date cannot be before the start date."))


class SubcontractorForm(Form):
    """Add a subcontractor: an existing company, or a new one by name."""

    company_id = SelectField(_l("Company"), coerce=int, default=0)
    new_company = StringField(
        _l("…or a new company"),
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
    )

    def __init__(self, project, *args, **kwargs):
        kwargs.setdefault("prefix", "sub")  # the invite form on the same page has a company too
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        taken = {pc.company_id for pc in project.companies}
        self.company_id.choices = [(0, gettext("Choose…"))] + [
            (cid, name) for cid, name in _company_choices() if cid not in taken
        ]

    def validate_company_id(self, field):
        if not field.data and not (self.new_company.data or "").strip():
            raise ValidationError(_l("Choose a company or write the name of a new one."))
        if field.data and (self.new_company.data or "").strip():
            raise ValidationError(_l("Choose a company or write a new name, not both."))


class InviteForm(NewUserForm):
    """Create a contractor user for one of the project's companies."""

    company_id = SelectField(_l("Company"), coerce=int)

    def __init__(self, project, *args, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
        self.company_id.choices = [(pc.company_id, pc.company.name) for pc in project.companies]


def _company_choices() -> list[tuple[int, str]]:
    return [
        (c.id, c.name)
        for c in db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.COMPANY, Organisation.active)
            .order_by(Organisation.name)
        )
    ]
