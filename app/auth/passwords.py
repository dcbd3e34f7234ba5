"""Password rules, shared by the password change form and `flask users create`."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The local list of common passwords, lower-cased (one a line, # starts a comment)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problems(password: str, email: str = "") -> list[str]:
    """What is wrong with `password` for the account `email` (lazy msgids; empty if fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            _l("The password must be at least %(min)d characters long.", min=MIN_PASSWORD_LENGTH)
        )
    folded = password.strip().lower()
    if folded in common_passwords():
        problems.append(_l("This password is too common. Choose one that is harder to guess."))
    email = email.strip().lower()
    if email and folded in {email, email.split("@", 1)[0]}:
        problems.append(_l("The password must not be your email address."))
    return problems


def new_temporary_password() -> str:
    """A random password handed over once; the user changes it after signing in."""
    return "-".join(secrets.token_hex(3) for _ in range(3))
