"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

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
