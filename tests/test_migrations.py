"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrations_match_the_models(ctx):
    # The session's database was built by running the migrations (see conftest).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_this_releases_migrations_go_down_and_up_again(tmp_path):
    """The progress stamp and the retention day can be taken out again (on SQLite, where a
    column is dropped by copying the table, which the foreign keys would refuse), with
    their data kept for the rest."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, inspect

    from app import create_app

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    engine = create_engine(url)

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns(table)}

    with app.app_context():
        upgrade()
        assert "progress_stamp" in columns("projects")
        assert "retention_since" in columns("placements")
        downgrade(revision="fddb0e9e4484")
        assert "progress_stamp" not in columns("projects")
        assert "retention_since" not in columns("placements")
        indexes = {i["name"] for i in inspect(engine).get_indexes("placements")}
        assert "ix_placements_actual_end" in indexes
        assert "ix_placements_open_retention" not in indexes
        upgrade()
        assert "retention_since" in columns("placements")
    engine.dispose()
