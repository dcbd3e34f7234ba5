"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.candidates.models import search_text
from app.extensions import db, include_object

BEFORE_SEARCH = "fddb0e9e4484"  # the revision before the candidates' search text
BEFORE_PROGRESS_STAMP = "64577605a519"  # the candidates' search text


def test_migrations_match_the_models(ctx):
    # The session's database was built by running the migrations (see conftest).
    with db.engine.connect() as connection:
        # As `flask db migrate` compares: indexes made on the other database only are skipped.
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_this_releases_migrations_go_down_and_up_again(tmp_path):
    """The progress stamp and the retention day can be taken out again (on SQLite, where a
    column is dropped by copying the table, which the foreign keys would refuse), with
    their data kept for the rest."""
    from flask_migrate import downgrade
    from sqlalchemy import create_engine, inspect

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    engine = create_engine(url)

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns(table)}

    with app.app_context():
        upgrade()
        assert "progress_stamp" in columns("projects")
        assert "retention_since" in columns("placements")
        downgrade(revision=BEFORE_PROGRESS_STAMP)
        assert "progress_stamp" not in columns("projects")
        assert "retention_since" not in columns("placements")
        indexes = {i["name"] for i in inspect(engine).get_indexes("placements")}
        assert "ix_placements_actual_end" in indexes
        assert "ix_placements_open_retention" not in indexes
        upgrade()
        assert "retention_since" in columns("placements")
    engine.dispose()


def test_the_search_migration_fills_the_search_text_of_existing_candidates(tmp_path):
    """Upgrading a database with candidates in it gives each live one the search text the
    model would write (an erased one none), on a database of its own (SQLite)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite'}",
        }
    )
    with app.app_context():
        upgrade(revision=BEFORE_SEARCH)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, kind, name, active, created_at) "
                    "VALUES (1, 'association', 'Vestbo', true, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text("INSERT INTO housing_areas (id, association_id, name) VALUES (1, 1, :n)"),
                {"n": "Østre  Parken"},
            )
            at = "2026-01-01 00:00:00"
            for id_, area, first, last, anonymised in (
                (1, 1, "Åse", "Ærø", None),
                (2, None, "Mads", "Holm", None),
                (3, 1, "Anonymiseret", "", at),
            ):
                connection.execute(
                    text(
                        "INSERT INTO candidates (id, first_name, last_name, phone, email, "
                        "address, area_id, referral_source, referral_contact, trades, "
                        "certificates, driving_licence, languages, wishes, availability, "
                        "anonymised_at, version, created_at, updated_at) "
                        "VALUES (:id, :first, :last, '', '', '', :area, 'other', '', "
                        "'Tømrer', 'Kran', 'B', 'Dansk', '', '', :anonymised, 1, :at, :at)"
                    ),
                    {"id": id_, "area": area, "first": first, "last": last}
                    | {"anonymised": anonymised, "at": at},
                )
        upgrade()
        stored = dict(db.session.execute(text("SELECT id, search_text FROM candidates")).all())
        db.session.remove()
        db.engine.dispose()
    fields = ("Tømrer", "Kran", "Dansk", "B")
    assert stored == {
        1: search_text("Østre Parken", "Åse", "Ærø", *fields),
        2: search_text(None, "Mads", "Holm", *fields),
        3: "",
    }
    assert stored[1] == "østre parken\nåse ærø\ntømrer\nkran\ndansk\nb"


def test_migration_file_names_sort_in_chain_order():
    """Reading the folder in name order is reading the history: each file's down_revision is
    the revision of the file before it (a date prefix, then a two-digit counter per day)."""
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "app/migrations/versions"
    previous = None
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision = ['\"](\w+)['\"]", source, re.M).group(1)
        down = re.search(r"^down_revision = (?:['\"](\w+)['\"]|None)", source, re.M).group(1)
        assert re.match(r"\d{8}_\d{2}_" + revision + "_", path.name), path.name
        assert down == previous, f"{path.name} follows {previous}, not {down}"
        previous = revision


BEFORE_RULES = "b7d2f4a91c3e"  # the revision before the schema's CHECK constraints


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the session's kind: a SQLite file, or a PostgreSQL database of its
    own beside the session's (made and dropped here)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = f"{url.database}_scratch"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows(connection, sql: str) -> list:
    return connection.execute(text(sql)).all()


def _seed_before_rules(connection, actual_end: str) -> None:
    at = "2026-01-01 00:00:00"
    statements = [
        "INSERT INTO organisations (id, kind, name, active, created_at) VALUES "
        f"(1, 'association', 'Vestbo', true, '{at}'), (2, 'company', 'Nordbyg', true, '{at}')",
        "INSERT INTO projects (id, name, address, description, client_id, phase, created_at, "
        f"updated_at, version, progress_stamp) VALUES (1, 'Gellerup', '', '', 1, 'execution', "
        f"'{at}', '{at}', 1, 'x')",
        "INSERT INTO project_companies (id, project_id, company_id, role) VALUES (1, 1, 2, 'main')",
        "INSERT INTO candidates (id, first_name, last_name, phone, email, address, "
        "referral_source, referral_contact, trades, certificates, driving_licence, languages, "
        "wishes, availability, version, created_at, updated_at, search_text) VALUES (1, 'Mads', "
        f"'Holm', '', '', '', 'other', '', '', '', '', '', '', '', 1, '{at}', '{at}', '')",
        "INSERT INTO placements (id, candidate_id, project_id, company_id, rung, start_date, "
        "actual_end, outcome_reason, created_at, updated_at, version, retention_since) VALUES "
        f"(1, 1, 1, 2, 'internship', '2026-03-01', '{actual_end}', '', '{at}', '{at}', 1, "
        "'2026-03-01')",
    ]
    for statement in statements:
        connection.execute(text(statement))


def test_the_rules_migration_reports_broken_rows_then_enforces_the_rules_up_and_down(
    scratch_url,
):
    """Rows that break a rule stop the migration with their ids, changed in nothing; once put
    right, the migration keeps every row (the table copies on SQLite cascade nothing), the
    database refuses an unknown rung and an end before the start, and down again it accepts
    them as before."""
    from flask_migrate import downgrade
    from sqlalchemy.exc import IntegrityError

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision=BEFORE_RULES)
        with db.engine.begin() as connection:
            _seed_before_rules(connection, actual_end="2026-02-01")  # before its start
        # Alembic itself, for the exception (`flask db upgrade` prints it and exits with 1).
        from alembic import command

        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match=r"placements: ck_placements_end_in_order: rows 1"):
            command.upgrade(config, "head")
        with db.engine.begin() as connection:
            assert _rows(connection, "SELECT actual_end FROM placements")[0][0] is not None
            connection.execute(text("UPDATE placements SET actual_end = '2026-04-01'"))
        upgrade()
        with db.engine.connect() as connection:
            assert len(_rows(connection, "SELECT id FROM project_companies")) == 1
            assert len(_rows(connection, "SELECT id FROM placements")) == 1
        for bad in (
            "UPDATE placements SET rung = 'ladder'",
            "UPDATE placements SET actual_end = '2026-01-01'",
            "UPDATE projects SET phase = 'paused'",
            "UPDATE placements SET retention_since = NULL",
        ):
            with pytest.raises(IntegrityError), db.engine.begin() as connection:
                connection.execute(text(bad))
        downgrade(revision=BEFORE_RULES)
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE placements SET rung = 'ladder'"))
            assert _rows(connection, "SELECT rung FROM placements") == [("ladder",)]
            assert len(_rows(connection, "SELECT id FROM project_companies")) == 1
        db.session.remove()
        db.engine.dispose()


BEFORE_LADDER = "c4d8e2f6a0b3"  # the revision before agreement_versions.ladder


def test_the_ladder_migration_fills_each_versions_ladder_from_its_values(scratch_url):
    """Existing versions get the ladder their values set (only whole numbers, as
    `Durations.ladder_of` reads them), the column is NOT NULL afterwards, and the table copy
    on SQLite keeps the comments that hang on a version; down again the column goes and the
    rest stays."""
    import json

    from flask_migrate import downgrade
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from app.placements.rules import Durations

    at = "2026-01-01 00:00:00"
    custom = {"apprenticeships_min": 2, "wage_subsidy_months": 5, "internship_weeks_min": "x"}
    contents = {1: {"values": custom, "clauses": []}, 2: {"clauses": []}}
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision=BEFORE_LADDER)
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO organisations (id, kind, name, active, created_at) VALUES "
                f"(1, 'association', 'Vestbo', true, '{at}')",
                "INSERT INTO users (id, email, name, password_hash, role, organisation_id, "
                "active, session_version, created_at, language) VALUES (1, 'k@x.dk', 'K', 'x', "
                f"'coordinator', NULL, true, 1, '{at}', 'da')",
                "INSERT INTO projects (id, name, address, description, client_id, phase, "
                "created_at, updated_at, version, progress_stamp) VALUES (1, 'Gellerup', '', '', "
                f"1, 'execution', '{at}', '{at}', 1, 'x')",
            ):
                connection.execute(text(statement))
            for number, content in contents.items():
                connection.execute(
                    text(
                        "INSERT INTO agreement_versions (id, project_id, number, content, text, "
                        "note, apprenticeships_min, courses_min, count_rule, author_id, "
                        "created_at) VALUES (:n, 1, :n, :content, '', '', 2, 8, 'started', 1, "
                        ":at)"
                    ),
                    {"n": number, "content": json.dumps(content), "at": at},
                )
            connection.execute(
                text(
                    "INSERT INTO clause_comments (id, project_id, version_id, clause_key, "
                    f"author_id, body, created_at) VALUES (1, 1, 1, 'ladder', 1, 'Ok?', '{at}')"
                )
            )
        upgrade()
        with db.engine.begin() as connection:
            ladders = dict(_rows(connection, "SELECT id, ladder FROM agreement_versions"))
            ladders = {k: json.loads(v) if isinstance(v, str) else v for k, v in ladders.items()}
            assert ladders == {1: {"wage_subsidy_months": 5}, 2: {}}
            assert ladders[1] == Durations.ladder_of(custom)
            assert _rows(connection, "SELECT body FROM clause_comments") == [("Ok?",)]
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("UPDATE agreement_versions SET ladder = NULL WHERE id = 1"))
        downgrade(revision=BEFORE_LADDER)
        columns = {c["name"] for c in inspect(db.engine).get_columns("agreement_versions")}
        assert "ladder" not in columns and "content" in columns
        with db.engine.begin() as connection:
            assert _rows(connection, "SELECT body FROM clause_comments") == [("Ok?",)]
        db.session.remove()
        db.engine.dispose()
