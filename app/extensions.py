"""Extension singletons, initialised in the application factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import Date, Enum, Index, MetaData, bindparam
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()


def enum_type(enum_class, name: str, length: int = 20) -> Enum:
    """A column holding one of the vocabularies in `app.enums`: stored as the member's value in
    a VARCHAR (no native enum type to migrate), read back as the member, and guarded by a CHECK
    constraint (`ck_<table>_<name>`) so that no other value gets in on either database."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


# SQLite's FTS5 table of the candidates' search text and its shadow tables (see the migration
# 20261130_18 and app/candidates/queries.py): not a model.
SQLITE_SEARCH_TABLE = "candidates_search"


def only_on(dialect: str, index: Index) -> Index:
    """An index made on one database only (`flask db migrate` and the schema test skip it
    elsewhere, see `include_object`)."""
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter when comparing the models with a database: an index made on another
    database than this one is not missing."""
    if type_ == "table" and reflected and name.startswith(SQLITE_SEARCH_TABLE):
        return False  # SQLite's trigram index of the candidates, made by its migration only
    only = obj.info.get("only_on") if type_ == "index" and not reflected else None
    return only is None or only == db.engine.dialect.name


def day_param(name: str):
    """A bind parameter for a date that is the same all day (today, or a day counted from it),
    written into the statement's text when it runs, as a quoted ISO date. PostgreSQL then
    plans the statement once and keeps the plan for the day's requests: passed as a parameter,
    a date compared with a column made its plan for any value assume that a third of the rows
    match (where `actual_end >= today` matches a handful), so it chose to plan afresh on every
    request (1-2 ms each for the inbox's count and the retention section, more than running
    them). Only such dates: the text then changes once a day, never per request."""
    return bindparam(name, type_=Date, literal_execute=True)


def constant(value):
    """A constant of the code (a LIMIT, a count's 1) written into the statement's text when
    it runs, not sent as a parameter: PostgreSQL plans a prepared statement once for any
    parameters only if that plan looks no worse than planning for the values, and a LIMIT it
    cannot see (it assumes a tenth of the rows) or an untyped constant made it plan afresh on
    every request (the start page's inbox 1.9 ms of planning at the national size)."""
    return bindparam(None, value, literal_execute=True)
