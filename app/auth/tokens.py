"""Set-password links: signed with SECRET_KEY (itsdangerous, a salt of their own), valid for
SET_PASSWORD_HOURS (72), and good for one use. The token carries a fingerprint of the user's
password hash: setting a password changes the hash, so every link issued before (for this
user) stops working, the one just used included."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.models import User

SALT = "bygop-set-password"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str) -> User | None:
    """The active user the token was issued to, if it is genuine, unexpired and unused."""
    max_age = current_app.config["SET_PASSWORD_HOURS"] * 3600
    try:
        data = _serializer().loads(token or "", max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(str(data.get("f", "")), _fingerprint(user)):
        return None  # used already: the password changed since the link was made
    return user
