"""The base form: WTForms' built-in messages go through our own catalogs (WTForms has no Danish)."""

import re

from flask_babel import gettext, ngettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from app.i18n import N_


class _CatalogTranslations:
    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        return ngettext(singular, plural, n)


# Control characters no one types: PostgreSQL refuses NUL, Word and Excel refuse the rest.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_control_chars(value):
    return CONTROL_CHARS.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogTranslations()

        def bind_field(self, form, unbound_field, options):
            # Every text field drops control characters before validation (passwords are
            # only hashed, so they stay exactly as typed).
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = (*unbound_field.kwargs.get("filters", ()), strip_control_chars)
                options = {**options, "filters": filters}
            return super().bind_field(form, unbound_field, options)


class EmptyForm(Form):
    """A form with no fields: lets a POST button carry the CSRF token."""


# WTForms' own messages, listed so the extractor puts them in our catalogs.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid date value."),
    N_("Not a valid datetime value."),
    N_("Not a valid time value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Invalid email address."),
    N_("Invalid input."),
    N_("Field must be at least %(min)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Field cannot be longer than %(max)d characters."),
    N_("Number must be at least %(min)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Number must be at most %(max)s."),
    N_("'%(value)s' is not a valid choice for this field."),
    N_("'%(value)s' are not valid choices for this field."),
    N_("The CSRF token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF tokens do not match."),
    N_("The referrer header is missing."),
    N_("The referrer does not match the host."),
)
