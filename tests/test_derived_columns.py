"""Derived columns stay right on every write path, and no ORM listener keeps them.

Seven columns are derived from other data (README, "Derived columns"):
- `Candidate.search_text` from the name, housing area and skills;
- `Project.search_text` from the project's name and address;
- `Placement.retention_since` from the candidate's retention conversations;
- `Project.progress_stamp`, the key under which counted progress is cached;
- `Project.pending_version`, the latest agreement version while it waits for approval, and
  `Project.pending_since`, when it was saved;
- `AgreementVersion.ladder`, the ladder's durations out of the version's values.

Each test warms the progress cache for every project, takes one write path the way a user
does (the page, the command, the loader), and then compares every derived column with the
same value computed from scratch: the search texts from the stored fields, the retention day
from the stored conversations, and the cached progress with a count made afresh.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from app.agreements import pending
from app.agreements.models import AgreementVersion
from app.candidates import service as candidates_service
from app.candidates.models import Candidate, Conversation, search_text
from app.clock import local_today
from app.extensions import db
from app.models import HousingArea, Phase, Project, Role, Rung, project_search_text
from app.placements import progress_cache
from app.placements import service as placement_service
from app.placements.models import Placement
from app.placements.progress_data import project_progress
from app.placements.rules import Durations, Span
from tests.forms import read_form

TODAY = local_today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


# --- from scratch ----------------------------------------------------------------------------


def expected_search_text(candidate: Candidate) -> str:
    if candidate.anonymised_at is not None:
        return ""
    area = db.session.get(HousingArea, candidate.area_id) if candidate.area_id else None
    return search_text(
        area.name if area else None,
        candidate.first_name,
        candidate.last_name,
        candidate.trades,
        candidate.certificates,
        candidate.languages,
        candidate.driving_licence,
    )


def expected_retention_since(placement: Placement) -> date:
    held = db.session.scalars(
        select(Conversation.held_on).where(
            Conversation.candidate_id == placement.candidate_id,
            Conversation.kind == "retention",
            Conversation.held_on >= placement.start_date,
        )
    ).all()
    return max(held, default=placement.start_date)


def warm_the_cache() -> None:
    """Count every project into the cache, as pages viewed before the write would have."""
    for project in db.session.scalars(select(Project)):
        project_progress(project, TODAY)


def assert_derived_columns_right() -> None:
    db.session.expire_all()
    candidates = db.session.scalars(select(Candidate)).all()
    placements = db.session.scalars(select(Placement)).all()
    projects = db.session.scalars(select(Project)).all()
    assert candidates and projects
    for candidate in candidates:
        assert candidate.search_text == expected_search_text(candidate), candidate
    for placement in placements:
        assert placement.retention_since == expected_retention_since(placement), placement
    waiting = {
        r.project_id: (r.number, r.created_at) for r in db.session.execute(pending.latest_pending())
    }
    for project in projects:
        assert project.search_text == project_search_text(project.name, project.address), project
        found = (project.pending_version, project.pending_since)
        assert found == waiting.get(project.id, (None, None)), project
    for version in db.session.scalars(select(AgreementVersion)):
        assert version.ladder == Durations.ladder_of(version.content["values"]), version
    cached = {p.id: project_progress(p, TODAY) for p in projects}
    progress_cache.cache.clear()
    fresh = {p.id: project_progress(p, TODAY) for p in projects}
    assert cached == fresh


@contextmanager
def write_path():
    warm_the_cache()
    yield
    assert_derived_columns_right()


# --- a site ----------------------------------------------------------------------------------


@pytest.fixture
def site(make, coordinator):
    """A project in execution with an approved agreement (the client's user approves it), a
    main contractor, and a resident with a pre-match and a retention conversation."""
    assoc = make.association("Brabrand Boligforening", areas=("Gellerupparken", "Toveshøj"))
    main = make.company("Nordbyg A/S")
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.EXECUTION, main=main)
    project.execution_start, project.execution_end = days_ago(400), TODAY + timedelta(days=400)
    client_user = make.user(Role.CLIENT, assoc)
    from app.agreements import service as agreements

    version = agreements.save_version(
        project, agreements.draft_for_editing(project), coordinator, 0
    )
    agreements.approve(version, client_user)
    person = make.candidate("Amira", "Hassan", assoc, phone="20 30 40 50", trades="Lager")
    placement_service.record_conversation(person, days_ago(120), "pre_match")
    placement_service.record_conversation(person, days_ago(20), "retention")
    db.session.commit()
    return dict(
        assoc=assoc, main=main, project=project, person=person, client_user=client_user,
        coordinator=coordinator,
    )  # fmt: skip


def candidate_form(assoc, **changes) -> dict:
    data = {
        "first_name": "Jonas",
        "last_name": "Berg",
        "phone": "28 44 55 66",
        "email": "",
        "address": "",
        "association_id": str(assoc.id),
        "area_id": str(assoc.areas[0].id),
        "referral_source": "job_centre",
        "referral_contact": "",
        "trades": "Murer",
        "certificates": "Truck",
        "driving_licence": "B",
        "languages": "Dansk",
        "wishes": "",
        "availability": "",
    }
    data.update(changes)
    return data


# --- the pages -------------------------------------------------------------------------------


def test_registering_and_editing_a_candidate_on_the_page(client, site):
    assoc = site["assoc"]
    with write_path():
        response = client.post(url_for("candidates.new"), data=candidate_form(assoc))
        assert response.status_code == 303
    jonas = db.session.scalar(select(Candidate).filter_by(first_name="Jonas"))
    assert "gellerupparken" in jonas.search_text and "murer" in jonas.search_text
    with write_path():
        changes = candidate_form(
            assoc, last_name="Bergström", area_id=str(assoc.areas[1].id), trades="Tømrer"
        )
        response = client.post(
            url_for("candidates.edit", candidate_id=jonas.id), data={**changes, "version": "1"}
        )
        assert response.status_code == 303
    jonas = db.session.get(Candidate, jonas.id)
    assert "toveshøj" in jonas.search_text and "bergström" in jonas.search_text


def test_logging_conversations_on_the_page(client, site):
    person, project, main = site["person"], site["project"], site["main"]
    running = placement_service.create(
        person, project, main.id, "wage_subsidy", days_ago(60), None, site["coordinator"]
    )
    db.session.commit()
    for kind, day in (("retention", days_ago(3)), ("employer", days_ago(1))):
        with write_path():
            response = client.post(
                url_for("candidates.add_conversation", candidate_id=person.id),
                data={"held_on": day.isoformat(), "kind": kind, "notes": ""},
            )
            assert response.status_code == 303
    assert db.session.get(Placement, running.id).retention_since == days_ago(3)


def test_placing_ending_and_moving_up_on_the_page(client, site):
    person, project, main = site["person"], site["project"], site["main"]
    with write_path():  # started before the retention conversation 20 days ago
        response = client.post(
            url_for("placements.new"),
            data={
                "candidate_id": person.id,
                "project_id": project.id,
                "company_id": main.id,
                "rung": "internship",
                "start_date": days_ago(90).isoformat(),
                "planned_end": "",
                "confirm": "y",
            },
        )
        assert response.status_code == 303
    first = db.session.scalar(select(Placement))
    assert first.retention_since == days_ago(20)
    with write_path():
        response = client.post(
            url_for("placements.next_rung", placement_id=first.id),
            data={"end_on": days_ago(50).isoformat(), "version": first.version, "confirm": "y"},
        )
        assert response.status_code == 303
    second = db.session.scalar(select(Placement).where(Placement.previous_id == first.id))
    assert second.retention_since == days_ago(20)
    with write_path():
        response = client.post(
            url_for("placements.end", placement_id=second.id),
            data={
                "actual_end": days_ago(2).isoformat(),
                "outcome": "completed",
                "reason": "",
                "version": second.version,
                "confirm": "y",
            },
        )
        assert response.status_code == 303
    assert project_progress(project, TODAY).courses_completed >= 1


def test_saving_and_approving_an_agreement_on_the_page(client, login, site):
    project = site["project"]
    login(site["client_user"])
    editor = read_form(
        client.get(url_for("agreements.draft", project_id=project.id)).get_data(as_text=True),
        "editor",
    )
    editor.update(v_courses_min="3", v_apprenticeships_min="0", v_wage_subsidy_months="5")
    with write_path():
        response = client.post(url_for("agreements.draft", project_id=project.id), data=editor)
        assert response.status_code == 303
    with write_path():
        response = client.post(
            url_for("agreements.approve", project_id=project.id, number=2),
            data={"latest": "2", "confirm": "1"},
        )
        assert response.status_code in (200, 303)
    targets = project_progress(project, TODAY).targets
    assert targets.courses == 3
    assert targets.minimums[Rung.WAGE_SUBSIDY] == Span(months=5)  # the agreement's, not 3


def test_moving_the_projects_execution_phase_on_the_page(client, site):
    project, person, main = site["project"], site["person"], site["main"]
    placement_service.create(
        person, project, main.id, "internship", days_ago(60), None, site["coordinator"]
    )
    db.session.commit()
    url = url_for("projects.edit", project_id=project.id)
    form = {
        "name": project.name,
        "address": "",
        "description": "",
        "client_id": project.client_id,
        "phase": "execution",
        "execution_start": days_ago(30).isoformat(),  # the placement now started before
        "execution_end": project.execution_end.isoformat(),
        "main_contractor_id": main.id,
        "area_ids": [str(a.id) for a in project.areas],
        "version": str(project.version),
    }
    with write_path():
        response = client.post(url, data=form)
        assert response.status_code in (200, 303)
    assert db.session.get(Project, project.id).execution_start == days_ago(30)
    assert project_progress(db.session.get(Project, project.id), TODAY).courses_started == 0


def test_renaming_a_housing_area(site):
    area = site["assoc"].areas[0]
    with write_path():
        candidates_service.rename_area(area, "Gellerup Øst")
        db.session.commit()
    assert "gellerup øst" in db.session.get(Candidate, site["person"].id).search_text


# --- the import ------------------------------------------------------------------------------

HEADER = ("Fornavn;Efternavn;Telefon;Email;Boligforening;Boligområde;Henvist af;Byggesag;"
          "Virksomhed;Trin;Start;Planlagt slut;Slut;Udfald;Samtaler før match")  # fmt: skip


def import_file() -> bytes:
    """Amira (known: her retention conversation 20 days ago falls inside the new internship)
    and a new person."""
    start, end = days_ago(40).strftime("%d.%m.%Y"), days_ago(10).strftime("%d.%m.%Y")
    rows = (
        f"Amira;Hassan;20 30 40 50;;Brabrand Boligforening;Gellerupparken;Jobcenter;"
        f"Helhedsplan Gellerup;Nordbyg A/S;praktik;{start};;{end};gennemført;",
        f"Ida;Ørsted;;ida@example.dk;Brabrand Boligforening;Toveshøj;Jobcenter;"
        f"Helhedsplan Gellerup;Nordbyg A/S;løntilskud;{start};;;;2",
    )
    return "\r\n".join((HEADER, *rows)).encode("utf-8")


def test_the_import_on_the_page(client, site):
    data = import_file()
    with write_path():
        checked = client.post(url_for("imports.check"), data={"file": (io.BytesIO(data), "x.csv")})
        token = re.search(r'name="token" value="([^"]+)"', checked.get_data(as_text=True))
        assert token, checked.get_data(as_text=True)
        response = client.post(
            url_for("imports.confirm"),
            data={"file": (io.BytesIO(data), "x.csv"), "token": token.group(1)},
        )
        assert response.status_code == 303
    amira = db.session.scalar(select(Placement).where(Placement.candidate_id == site["person"].id))
    assert amira.retention_since == days_ago(20)
    ida = db.session.scalar(select(Candidate).filter_by(first_name="Ida"))
    assert "toveshøj" in ida.search_text and "ida ørsted" in ida.search_text


def test_the_import_command(runner, site, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(import_file())
    with write_path():
        result = runner.invoke(args=["import", "placements", str(path)])
        assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Candidate).filter_by(first_name="Ida")).search_text


# --- erasure and the demo --------------------------------------------------------------------


def test_erasure_on_the_page_and_by_the_retention_command(client, runner, site):
    person, project, main = site["person"], site["project"], site["main"]
    placement_service.create(
        person, project, main.id, "internship", days_ago(60), None, site["coordinator"]
    )
    long_ago = datetime(TODAY.year - 3, 1, 1, tzinfo=UTC)
    other = candidates_service.save(
        Candidate(
            first_name="Gammel",
            last_name="Sag",
            association_id=site["assoc"].id,
            created_at=long_ago,
            updated_at=long_ago,
        )
    )
    db.session.commit()
    with write_path():
        response = client.post(
            url_for("gdpr.erase", candidate_id=person.id), data={"confirm": "SLET"}
        )
        assert response.status_code == 303
    assert db.session.get(Candidate, person.id).search_text == ""
    other_id = other.id
    with write_path():
        result = runner.invoke(args=["gdpr", "retention", "--months", "24", "--apply"])
        assert result.exit_code == 0, result.output
    assert db.session.get(Candidate, other_id).anonymised_at is not None


def test_the_demo_loader(runner, ctx):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert_derived_columns_right()
    # The demo's retention conversations moved the days of the placements they fall in.
    moved = db.session.scalar(
        select(Placement.id).where(Placement.retention_since != Placement.start_date).limit(1)
    )
    assert moved is not None


# --- no listener keeps them ------------------------------------------------------------------

LIST_APP_LISTENERS = """
import inspect
import sys

from sqlalchemy.event import registry

def app_listeners():
    # The registry keys each listener by the id of the function given to event.listen (a
    # mapper event stores a wrapper, but keeps that id): match them with the app's functions.
    functions = {}
    for name, module in list(sys.modules.items()):
        if name == "app" or name.startswith("app."):
            for obj in vars(module).values():
                if inspect.isfunction(obj):
                    functions[id(obj)] = f"{obj.__module__}.{obj.__qualname__}"
    found = set()
    for key in list(registry._key_to_collection):
        if key[2] in functions:
            found.add(f"{functions[key[2]]} {key[1]}")
    return sorted(found)
"""


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LIST_APP_LISTENERS + code)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_the_models_and_services_registers_no_listener():
    modules = (
        "app.models app.auth.models app.audit.models app.agreements.models app.meetings.models "
        "app.openings.models app.candidates.models app.placements.models app.reports.models "
        "app.placements.retention app.placements.progress_cache app.candidates.service "
        "app.placements.service app.imports.importer app.gdpr.service app.demo"
    )
    output = run(
        f"""
import importlib
for name in {modules.split()!r}:
    importlib.import_module(name)
print(app_listeners())
"""
    )
    assert output == "[]"


def test_after_create_app_every_listener_comes_from_the_hooks_module(tmp_path):
    output = run(
        f"""
from app.factory import create_app
create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/x.db"}}, "{tmp_path}")
create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/y.db"}}, "{tmp_path}")
from app import hooks
print(len(hooks.LISTENERS))
for line in app_listeners():
    print(line)
"""
    )
    count, *listeners = output.splitlines()
    assert listeners == [
        "app.factory._plan_for_the_values do_execute",  # connection settings, not data
        "app.factory._sqlite_pragmas connect",
        "app.hooks.refuse_audit_bulk_changes do_orm_execute",
        "app.hooks.refuse_audit_delete before_delete",
        "app.hooks.refuse_audit_update before_update",
        "app.hooks.refuse_version_changes before_update",
    ]
    assert int(count) == 4
