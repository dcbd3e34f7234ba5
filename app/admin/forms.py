from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from app.extensions import db
from app.forms import Form
from app.models import Organisation, OrganisationKind, Role, User

ORG_KIND_FOR_ROLE = {
    Role.CLIENT: OrganisationKind.ASSOCIATION,
    Role.CONTRACTOR: OrganisationKind.COMPANY,
}


class NewUserForm(Form):
    """Name and a not-yet-used email: what every way of creating a user asks for."""

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            Email(_l("Enter a valid email address, like name@example.dk.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
        ],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the person's name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )

    def validate_email(self, field):
        email = (field.data or "").strip().lower()
        exists = db.session.scalar(select(User.id).where(func.lower(User.email) == email))
        if exists:
            raise ValidationError(_l("A user with this email address already exists."))


class UserForm(NewUserForm):
    role = SelectField(_l("Role"), default=Role.COORDINATOR.value)
    organisation_id = SelectField(_l("Organisation"), coerce=int, default=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.role.choices = [(r.value, gettext(r.label)) for r in Role]
        orgs = db.session.scalars(
            select(Organisation)
            .where(Organisation.active)
            .order_by(Organisation.kind, Organisation.name)
        ).all()
        self.orgs_by_id = {o.id: o for o in orgs}
        self.organisation_id.choices = [(0, gettext("None (staff)"))] + [
            (o.id, f"{o.name} ({gettext(o.kind_enum.label).lower()})") for o in orgs
        ]

    def validate_organisation_id(self, field):
        role = Role(self.role.data) if self.role.data in set(Role) else None
        org = self.orgs_by_id.get(field.data)
        needed = ORG_KIND_FOR_ROLE.get(role)
        if needed is None:
            if org is not None:
                raise ValidationError(_l("Staff users do not belong to an organisation."))
            return
        if org is None or org.kind != needed:
            if needed == OrganisationKind.ASSOCIATION:
                raise ValidationError(_l("A client user belongs to a housing association."))
            raise ValidationError(_l("A contractor user belongs to a company."))


class OrganisationForm(Form):
    kind = SelectField(_l("Kind"))
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the organisation's name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    cvr = StringField(
        _l("CVR number"),
        validators=[
            Optional(),
            Regexp(r"^\d{8}$", message=_l("A CVR number has exactly 8 digits.")),
        ],
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.organisation = organisation
        self.kind.choices = [(k.value, gettext(k.label)) for k in OrganisationKind]

    def validate_name(self, field):
        name = (field.data or "").strip()
        if self.kind.data not in set(OrganisationKind):
            return  # the kind field reports its own error; no kind, no duplicate to look for
        query = select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower(), Organisation.kind == self.kind.data
        )
        if self.organisation is not None:
            query = query.where(Organisation.id != self.organisation.id)
        if db.session.scalar(query):
            raise ValidationError(_l("An organisation of this kind with this name already exists."))


class AreaForm(Form):
    name = StringField(
        _l("New housing area"),
        validators=[
            DataRequired(_l("Enter the name of the housing area.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )


class CoefficientForm(Form):
    """The target calculator's coefficient and where it comes from."""

    per_million = StringField(_l("Training årsværk per DKK million"))
    source = TextAreaField(
        _l("Source"),
        validators=[
            DataRequired(_l("Say where the figure comes from.")),
            Length(max=1000, message=_l("At most %(max)d characters.")),
        ],
    )

    def validate_per_million(self, field):
        from app.training import parse_coefficient

        value, problem = parse_coefficient(field.data)
        if problem:
            raise ValidationError(_l(problem))
        field.value = value
