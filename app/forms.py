"""The base form: WTForms' built-in messages go through our own catalogs (WTForms has no Danish)."""

from flask_babel import gettext, ngettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.i18n import N_
from app.sanitise import multi_line_clean, single_line_problem


class _CatalogTranslations:
    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        return ngettext(singular, plural, n)


SINGLE_LINE_MESSAGE = N_("Write it on one line, without line breaks or control characters.")


class SingleLine:
    """Refuse a line break, tab or other control character (Unicode Cc) and a bidi override
    or isolate in a field that holds one line: a name, title, place or address ends up in file
    names, headers, spreadsheet cells and calendar lines, where such a character breaks or
    disguises them."""

    field_flags = {}

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if isinstance(field.data, str) and single_line_problem(field.data):
            raise ValidationError(self.message or gettext(SINGLE_LINE_MESSAGE))


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogTranslations()

        def bind_field(self, form, unbound_field, options):
            # Every one-line text field refuses control characters (SingleLine); a text area
            # keeps tabs and line breaks and drops the other control characters, so text
            # pasted from Word is not refused for an invisible character. Passwords are only
            # hashed, so they stay exactly as typed. Hidden fields and `next` (a redirect
            # target that app.auth.urls.safe_next checks, never stored) are nobody's text:
            # refusing them would refuse a sign-in with no message to show.
            field_class = unbound_field.field_class
            if issubclass(field_class, TextAreaField):
                filters = (*unbound_field.kwargs.get("filters", ()), multi_line_clean)
                options = {**options, "filters": filters}
            elif (
                issubclass(field_class, StringField)
                and not issubclass(field_class, PasswordField | HiddenField)
                and options.get("name") != "next"
            ):
                validators = (*unbound_field.kwargs.get("validators", ()), SingleLine())
                options = {**options, "validators": validators}
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
