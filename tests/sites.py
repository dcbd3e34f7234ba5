"""Small worlds shared by more than one test file (each file wraps one in its own fixture)."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Phase, Role
from app.placements import service as placement_service
from tests.factories import TODAY, add_candidate, add_placement, approve_agreement, days_ago


def progress_site(make, retention_note: str = "Hemmelig note om helbred") -> dict:
    """A running project with a main contractor and a subcontractor, two residents on the
    main contractor's ladder and one at the subcontractor (tests/test_progress.py,
    tests/test_progress_cache.py, tests/test_reports.py): 5 courses counted (Mads 3 rungs,
    Ahmed 1, Sara's apprenticeship) against a target of 8 courses and 2 apprenticeships. Mads
    had a retention conversation 10 days ago, noted as `retention_note`."""
    assoc = make.association("Boligforeningen Vestbo")
    main, sub = make.company("Hovedentreprenør A/S"), make.company("Underentreprenør ApS")
    project = make.project(
        assoc,
        "Helhedsplan Gellerup",
        Phase.EXECUTION,
        main=main,
        subs=[sub],
        execution_start=days_ago(300),
        execution_end=TODAY + timedelta(days=300),
    )
    coordinator = make.user(Role.COORDINATOR, name="Karen Koordinator")
    approve_agreement(project, coordinator)
    mads = add_candidate("Mads", "Mikkelsen", assoc)
    ahmed = add_candidate("Ahmed", "Hassan", assoc)
    sara = add_candidate("Sara", "Sørensen", assoc)
    add_placement(mads, project, main, "internship", days_ago(200), days_ago(160), "next_rung")
    add_placement(mads, project, main, "wage_subsidy", days_ago(159), days_ago(100), "next_rung")
    add_placement(mads, project, main, "ordinary", days_ago(99))
    add_placement(ahmed, project, main, "wage_subsidy", days_ago(150))
    add_placement(sara, project, sub, "apprenticeship", days_ago(30))
    placement_service.record_conversation(mads, days_ago(10), "retention", retention_note)
    db.session.commit()
    return dict(
        project=project, assoc=assoc, main=main, sub=sub, coordinator=coordinator,
        mads=mads, ahmed=ahmed, sara=sara,
    )  # fmt: skip


def progress_page(client, project):
    """The project's progress page."""
    return client.get(f"/projects/{project.id}/progress")


def other_project(make, coordinator, name="Skovgårdsparken"):
    """A second association's project with one resident."""
    assoc = make.association(f"Boligforeningen {name}")
    company = make.company(f"Byg {name} A/S")
    project = make.project(assoc, name, Phase.EXECUTION, main=company)
    approve_agreement(project, coordinator, apprenticeships=1, courses=3)
    person = add_candidate("Ole", f"Olsen{name}", assoc)
    add_placement(person, project, company, "ordinary", days_ago(120))
    return project


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    parts += [p.text for p in document.sections[0].header.paragraphs]
    return "\n".join(parts)


def xlsx_text(book) -> str:
    return "\n".join(
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )
