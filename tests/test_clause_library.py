"""The clause library in agreement_templates/: it loads cleanly and reports broken files."""

import re
import shutil
from pathlib import Path

import pytest

from app.agreements.library import DEFAULT_DIR, load_library
from app.agreements.variables import VARIABLES

README = DEFAULT_DIR / "README.md"
EXPECTED_REQUIRED = {
    "parties",
    "legal_basis",
    "purpose",
    "target_group",
    "targets",
    "ladder",
    "example",
    "validity",
    "client_duties",
    "contractor_duties",
    "subcontractors",
    "kickoff",
    "followup",
    "consequences",
    "personal_data",
    "changes",
    "contacts",
    "signatures",
}
EXPECTED_OPTIONAL = {"statutory", "reporting", "failed_match", "aarsvaerk"}


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_real_library_loads_without_errors(library):
    assert [str(error) for error in library.errors] == []
    assert library.document is not None
    assert {c.key for c in library.clauses if c.required} == EXPECTED_REQUIRED
    assert {c.key for c in library.clauses if not c.required} == EXPECTED_OPTIONAL


def test_clauses_come_in_library_order_with_complete_metadata(library):
    orders = [clause.order for clause in library.clauses]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for clause in library.clauses:
        assert clause.title.strip() and clause.title_en.strip(), clause.key
        assert clause.help.strip() and clause.help_en.strip(), clause.key
        assert set(clause.variables) <= set(VARIABLES), clause.key
        assert clause.file.endswith(".clause")
    assert library.get("signatures").body.rstrip().endswith("[[signatures]]")


def test_required_clauses_are_always_enabled_by_default(library):
    for clause in library.clauses:
        if clause.required:
            assert clause.default_enabled, clause.key


@pytest.fixture
def broken_library(tmp_path):
    target = tmp_path / "templates"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.py", "*.md"))
    clauses = target / "clauses"
    front = (
        '+++\nkey = "{key}"\ntitle = "T"\ntitle_en = "T"\norder = {order}\nrequired = false\n'
        'variables = {variables}\nhelp = "h"\nhelp_en = "h"\n+++\n'
    )  # 10 lines: the body starts on line 11
    (clauses / "900_toml.clause").write_text(
        '+++\nkey = "toml"\ntitle = "T"\norder = = 3\n+++\nTekst.\n', encoding="utf-8"
    )
    (clauses / "910_syntax.clause").write_text(
        front.format(key="syntax", order=910, variables="[]")
        + "Første afsnit.\n\n{% if true %}\nIngen slutning.\n",
        encoding="utf-8",
    )
    (clauses / "920_unknown.clause").write_text(
        front.format(key="unknown", order=920, variables='["project_name"]')
        + "Linje et {{ project_name }}.\nLinje to {{ projekt_navn }}.\n",
        encoding="utf-8",
    )
    (clauses / "930_undeclared.clause").write_text(
        front.format(key="undeclared", order=930, variables="[]") + "{{ client_name }}\n",
        encoding="utf-8",
    )
    (clauses / "940_missing.clause").write_text(
        '+++\nkey = "missing"\norder = 940\n+++\nTekst.\n', encoding="utf-8"
    )
    (clauses / "950_marker.clause").write_text(
        front.format(key="marker", order=950, variables="[]") + "Se [[ladder_table]] her.\n",
        encoding="utf-8",
    )
    (clauses / "960_duplicate.clause").write_text(
        front.format(key="parties", order=960, variables="[]") + "Tekst.\n", encoding="utf-8"
    )
    return load_library(target)


def test_broken_files_are_reported_with_file_and_line(broken_library):
    found = {(error.file, error.line) for error in broken_library.errors}
    assert ("900_toml.clause", 4) in found  # the bad TOML line, counted in the file
    assert ("910_syntax.clause", 14) in found  # the end of the unclosed {% if %}
    assert ("920_unknown.clause", 12) in found  # {{ projekt_navn }} on body line 2
    assert ("930_undeclared.clause", 11) in found
    assert ("950_marker.clause", 11) in found
    assert ("960_duplicate.clause", 1) in found
    messages = {error.file: error.message for error in broken_library.errors}
    assert "projekt_navn" in messages["920_unknown.clause"]
    assert "client_name" in messages["930_undeclared.clause"]
    assert "title" in messages["940_missing.clause"]
    assert len(broken_library.errors) == 7


def test_broken_files_are_skipped_and_the_rest_still_load(broken_library):
    assert broken_library.keys == load_library().keys
    assert broken_library.get("parties").file == "010_parties.clause"


def test_missing_document_parts_are_reported_not_raised(tmp_path):
    shutil.copytree(DEFAULT_DIR / "clauses", tmp_path / "clauses")
    (tmp_path / "document.toml").write_text('title = "{{ nope }}"\n', encoding="utf-8")
    library = load_library(tmp_path)
    assert library.document is None
    assert [error.file for error in library.errors] == ["document.toml"]


def _readme_rows(heading: str) -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`([a-z0-9_]+)`\s*\|", line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_readme_lists_every_clause_with_its_title_and_variables(library):
    rows = _readme_rows("## Clauses")
    assert set(rows) == set(library.keys)
    for clause in library.clauses:
        row = rows[clause.key]
        assert clause.title in row, clause.key
        assert ("required" if clause.required else "optional") in row, clause.key
        listed = set(re.findall(r"`([a-z0-9_]+)`", row)) - {clause.key}
        assert listed == set(clause.variables), clause.key


def test_readme_lists_every_variable_with_its_kind():
    rows = _readme_rows("## Variables")
    assert set(rows) == set(VARIABLES)
    for name, spec in VARIABLES.items():
        assert f"| {spec.kind} |" in rows[name], name


def test_readme_explains_the_markup():
    text = README.read_text(encoding="utf-8")
    for token in ("+++", "[[ladder_table]]", "[[signatures]]", "- ", "### ", "override"):
        assert token in text


def test_library_dir_is_the_repository_folder():
    assert Path(DEFAULT_DIR).name == "agreement_templates"
    assert (DEFAULT_DIR / "clauses").is_dir()
