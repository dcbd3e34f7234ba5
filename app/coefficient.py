"""The target calculator's coefficient as set by an admin (training årsværk per DKK million).

The newest row of `training_coefficients` is in force; without any row, Bygherreforeningen's
conversion figure (app.training.DEFAULT_COEFFICIENT) is, labelled as the default.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import TrainingCoefficient, User
from app.reads import column_result
from app.training import DEFAULT_COEFFICIENT, DEFAULT_SOURCE


@dataclass(frozen=True)
class Coefficient:
    value: Decimal
    source: str
    is_default: bool
    set_at: datetime | None = None
    set_by: str | None = None


DEFAULT = Coefficient(DEFAULT_COEFFICIENT, DEFAULT_SOURCE, True)


def _as_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 4))).normalize()


def history(limit: int = 20) -> list[TrainingCoefficient]:
    return list(
        db.session.scalars(
            select(TrainingCoefficient)
            .options(joinedload(TrainingCoefficient.set_by))
            .order_by(TrainingCoefficient.set_at.desc(), TrainingCoefficient.id.desc())
            .limit(limit)
        )
    )


@functools.cache
def _in_force_statement():
    """The newest row's columns and its admin's name, built once: the agreement editor's
    preview asks on every keystroke, and an ORM object with its admin joined cost ten times
    what reading four columns does."""
    return (
        select(
            TrainingCoefficient.per_million,
            TrainingCoefficient.source,
            TrainingCoefficient.set_at,
            User.name.label("set_by"),
        )
        .outerjoin(User, User.id == TrainingCoefficient.set_by_id)
        .order_by(TrainingCoefficient.set_at.desc(), TrainingCoefficient.id.desc())
        .limit(1)
    )


def current() -> Coefficient:
    """The coefficient in force (one query, with the name of the admin who set it): a column
    read (`app.reads`), so nothing pending is flushed first; the admin's page asks before it
    writes a new one."""
    row = column_result(_in_force_statement()).first()
    if row is None:
        return DEFAULT
    return Coefficient(_as_decimal(row.per_million), row.source, False, row.set_at, row.set_by)


def set_coefficient(value: Decimal, source: str, user: User) -> TrainingCoefficient:
    """Put a new coefficient in force (the caller commits)."""
    row = TrainingCoefficient(per_million=float(value), source=source, set_by_id=user.id)
    db.session.add(row)
    return row
