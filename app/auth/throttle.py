"""Login rate limiting and temporary lockout, shared by every worker and instance.

Failed sign-ins are counted per email address (whether or not the account exists, so a lock
reveals nothing) and per client IP. Too many within the window locks that key for a while:
LOGIN_MAX_FAILURES per address, LOGIN_IP_MAX_FAILURES per IP (0 switches a limit off), within
LOGIN_FAILURE_WINDOW_MINUTES, locked for LOGIN_LOCKOUT_MINUTES.

The counters live in the database (table login_failures), or in Redis when REDIS_URL is set.
Keys are HMACs of the address or IP under SECRET_KEY, so neither store holds either.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from sqlalchemy import DateTime, case, delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import LoginFailure
from app.extensions import db
from app.models import utcnow

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Limit:
    max_failures: int
    window: timedelta
    lockout: timedelta


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DatabaseCounter:
    """Counters in the login_failures table, updated with one atomic upsert per failure."""

    table = LoginFailure.__table__

    def locked_until(self, keys: list[str], now: datetime) -> datetime | None:
        until = db.session.scalar(
            select(self.table.c.locked_until)
            .where(self.table.c.key.in_(keys), self.table.c.locked_until > now)
            .order_by(self.table.c.locked_until.desc())
            .limit(1)
        )
        return _aware(until) if until else None

    def fail(self, key: str, limit: Limit, now: datetime) -> bool:
        """Count one failure; True when it starts a lock."""
        t = self.table
        window_start = now - limit.window
        stale = t.c.first_at <= window_start
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(t).values(key=key, failures=1, first_at=now, locked_until=None)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "failures": case((stale, 1), else_=t.c.failures + 1),
                "first_at": case(
                    (stale, literal(now, DateTime(timezone=True))), else_=t.c.first_at
                ),
            },
        ).returning(t.c.failures)
        failures = db.session.execute(stmt).scalar_one()
        locks = failures >= limit.max_failures
        if locks:  # the lock starts a fresh count for when it ends
            db.session.execute(
                update(t)
                .where(t.c.key == key)
                .values(failures=0, first_at=now, locked_until=now + limit.lockout)
            )
        # Forget keys whose window and lock are both over.
        db.session.execute(
            delete(t).where(stale, or_(t.c.locked_until.is_(None), t.c.locked_until <= now))
        )
        db.session.commit()
        return locks

    def clear(self, key: str) -> None:
        db.session.execute(delete(self.table).where(self.table.c.key == key))
        db.session.commit()


class RedisCounter:
    """The same counters in Redis: a counter with the window as TTL, a lock key with its own."""

    prefix = "bygop:login:"

    def __init__(self, client):
        self.redis = client

    def locked_until(self, keys: list[str], now: datetime) -> datetime | None:
        remaining_ms = max(self.redis.pttl(f"{self.prefix}lock:{key}") for key in keys)
        return now + timedelta(milliseconds=remaining_ms) if remaining_ms > 0 else None

    def fail(self, key: str, limit: Limit, now: datetime) -> bool:
        counter = f"{self.prefix}n:{key}"
        # Create the counter with its TTL first, so INCR never leaves one without expiry.
        self.redis.set(counter, 0, ex=int(limit.window.total_seconds()), nx=True)
        if self.redis.incr(counter) < limit.max_failures:
            return False
        self.redis.set(f"{self.prefix}lock:{key}", 1, ex=int(limit.lockout.total_seconds()))
        self.redis.delete(counter)
        return True

    def clear(self, key: str) -> None:
        self.redis.delete(f"{self.prefix}n:{key}", f"{self.prefix}lock:{key}")


def init_app(app) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        import redis  # optional dependency, only needed when REDIS_URL is set

        app.extensions["login_counter"] = RedisCounter(redis.Redis.from_url(url))
    else:
        app.extensions["login_counter"] = DatabaseCounter()


def _counter():
    return current_app.extensions["login_counter"]


def _key(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest}"


def _limits() -> dict[str, Limit]:
    """The limit per kind (account, address), for the limits switched on."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    lockout = timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    return {
        kind: Limit(config[name], window, lockout)
        for kind, name in ((ACCOUNT, "LOGIN_MAX_FAILURES"), (ADDRESS, "LOGIN_IP_MAX_FAILURES"))
        if config[name] > 0
    }


def _keys(email: str, scope: str = "") -> dict[str, str]:
    """The counters' keys; `scope` keeps another kind of request (the forgotten-password
    form: "reset") apart from sign-in, so one never locks the other."""
    return {
        ACCOUNT: _key(f"{scope}email", email.strip().lower()),
        ADDRESS: _key(f"{scope}ip", request.remote_addr or "unknown"),
    }


def locked_minutes(email: str, scope: str = "") -> int | None:
    """Minutes left of a lock on this email address or on the client's IP; None if neither."""
    keys = _keys(email, scope)
    active = [keys[kind] for kind in _limits()]
    if not active:
        return None
    now = utcnow()
    until = _counter().locked_until(active, now)
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds() / 60))


def register_failure(email: str, scope: str = "") -> set[str]:
    """Count a failed sign-in for the address and the IP; return the kinds it locked."""
    keys, now = _keys(email, scope), utcnow()
    return {kind for kind, limit in _limits().items() if _counter().fail(keys[kind], limit, now)}


def clear_account(email: str) -> None:
    """Forget the failures for this address (after a successful sign-in)."""
    _counter().clear(_keys(email)[ACCOUNT])
