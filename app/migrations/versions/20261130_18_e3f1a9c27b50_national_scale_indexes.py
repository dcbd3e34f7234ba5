"""Indexes for the national scale: the open openings, the recent projects and the project list
walked in their order, and on SQLite a trigram index of the candidates' search text

Revision ID: e3f1a9c27b50
Revises: b6c2e9f4a1d8
Create Date: 2026-11-30 23:00:00

The start page's openings section reads the open openings earliest first, and its active
projects section the projects last updated first: with these indexes both walk their order
and stop at the section's limit instead of sorting every row. The project list walks the
projects in name order (all of them, or one phase's) and stops at its count cap. The version
in force of a project (the latest approval) is found from an index of its versions' approval
times: on SQLite `approved_at` sits after the kilobytes of `content` in the row.

SQLite has no trigram index of its own; an FTS5 table with the trigram tokenizer is one. It
holds the candidates' `search_text` (external content: the text stays in `candidates`, the
table holds only the trigrams), kept by triggers on every INSERT, UPDATE of the text and
DELETE, so the ORM, the bulk import, the GDPR erasure and the seeder all keep it without
knowing. An erased candidate has no search text and so no entry. Beware: SQLite drops a
table's triggers with the table, so a later migration that rebuilds `candidates` (a batch
`alter_column` or `drop_column`) must create these triggers again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3f1a9c27b50"
down_revision = "b6c2e9f4a1d8"
branch_labels = None
depends_on = None

SEARCH_TABLE = "candidates_search"
SQLITE_SEARCH = (
    f"""CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(
        search_text, content='candidates', content_rowid='id', tokenize='trigram'
    )""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_insert AFTER INSERT ON candidates
        WHEN new.search_text != ''
        BEGIN
            INSERT INTO {SEARCH_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_delete AFTER DELETE ON candidates
        WHEN old.search_text != ''
        BEGIN
            INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, search_text)
                VALUES ('delete', old.id, old.search_text);
        END""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE OF search_text ON candidates
        WHEN old.search_text IS NOT new.search_text
        BEGIN
            INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, search_text)
                SELECT 'delete', old.id, old.search_text WHERE old.search_text != '';
            INSERT INTO {SEARCH_TABLE}(rowid, search_text)
                SELECT new.id, new.search_text WHERE new.search_text != '';
        END""",
    f"""INSERT INTO {SEARCH_TABLE}(rowid, search_text)
        SELECT id, search_text FROM candidates WHERE search_text != ''""",
)


def upgrade():
    with op.batch_alter_table("openings", schema=None) as batch_op:
        batch_op.drop_index("ix_openings_status")
        batch_op.create_index(
            "ix_openings_status_start", ["status", "expected_start", "id"], unique=False
        )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_updated", ["updated_at", "id"], unique=False)
        batch_op.create_index("ix_projects_name", ["name", "id"], unique=False)
        batch_op.create_index("ix_projects_phase_name", ["phase", "name", "id"], unique=False)
    with op.batch_alter_table("agreement_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agreement_versions_approved", ["project_id", "approved_at", "number"], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{trigger}"))
        op.execute(sa.text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
    with op.batch_alter_table("agreement_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_agreement_versions_approved")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_phase_name")
        batch_op.drop_index("ix_projects_name")
        batch_op.drop_index("ix_projects_updated")
    with op.batch_alter_table("openings", schema=None) as batch_op:
        batch_op.drop_index("ix_openings_status_start")
        batch_op.create_index("ix_openings_status", ["status"], unique=False)
