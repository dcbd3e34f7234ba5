from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.auth.passwords import MIN_PASSWORD_LENGTH, password_problems
from app.forms import Form

__all__ = ["MIN_PASSWORD_LENGTH", "ConfirmPasswordForm", "LoginForm", "PasswordChangeForm"]


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = StringField()


class ConfirmPasswordForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = StringField()


class PasswordChangeForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password.")), Length(max=200)],
    )
    repeat_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", _l("The two passwords are not the same."))],
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.wrong_current_password = False

    def validate_current_password(self, field):
        if not self.user.check_password(field.data or ""):
            self.wrong_current_password = True
            raise ValidationError(_l("The current password is not correct."))

    def validate_new_password(self, field):
        if not field.data:
            return
        if field.data == self.current_password.data:
            raise ValidationError(_l("The new password must differ from the current one."))
        if problems := password_problems(field.data, self.user.email):
            raise ValidationError(problems[0])


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address."))])


class SetPasswordForm(Form):
    """A new password through a set-password link (the token is the proof, not a password)."""

    token = StringField()
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password.")), Length(max=200)],
    )
    repeat_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", _l("The two passwords are not the same."))],
    )

    def __init__(self, user=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_new_password(self, field):
        if field.data and (problems := password_problems(field.data, self.user.email)):
            raise ValidationError(problems[0])
