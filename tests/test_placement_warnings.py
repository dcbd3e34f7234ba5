"""Forms that warn before a rung is lost to the count: ending a rung before its minimum
duration (calendar months), and placements that start outside the execution phase."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Phase, Role
from app.placements.models import Placement
from tests.factories import approve_agreement
from tests.placing import place, talk


@pytest.fixture
def site(make, login):
    """A project in execution from 1 January 2026 to 31 December 2027 (the factory's), whose
    agreement counts a rung once it has lasted its minimum duration."""
    coordinator = login(make.user(Role.COORDINATOR))
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main = make.company("Nordbyg")
    project = make.project(assoc, "Gellerup", Phase.EXECUTION, main=main)
    person = make.candidate("Mads", "Holm", assoc)
    talk(person, day=date(2025, 11, 1))
    return dict(coordinator=coordinator, project=project, main=main, person=person, assoc=assoc)


def strict(site):
    approve_agreement(site["project"], site["coordinator"], rule="min_duration")


def only_placement() -> Placement:
    return db.session.scalar(select(Placement).order_by(Placement.start_date.desc()))


def end(client, placement, day: str, **extra):
    data = {"actual_end": day, "outcome": "completed", "version": placement.version, **extra}
    return client.post(f"/placements/{placement.id}/end", data=data)


def test_ending_a_rung_before_its_minimum_asks_for_a_confirmation(client, site):
    strict(site)
    assert place(client, site, start_date="2026-02-01").status_code == 303
    placement = only_placement()
    # The default planned end is the day the three months are met.
    assert placement.planned_end == date(2026, 4, 30)
    response = end(client, placement, "2026-04-29")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "tælles dette trin ikke med i aftalen" in html and "30.04.2026" in html
    assert 'name="confirm"' in html
    db.session.refresh(placement)
    assert placement.actual_end is None  # nothing saved
    # Confirmed, it is saved.
    assert end(client, placement, "2026-04-29", confirm="y").status_code == 303
    db.session.refresh(placement)
    assert placement.actual_end == date(2026, 4, 29)


def test_ending_on_the_day_the_minimum_is_met_needs_no_confirmation(client, site):
    strict(site)
    place(client, site, start_date="2026-02-01")
    placement = only_placement()
    assert end(client, placement, "2026-04-30").status_code == 303


def test_under_the_started_rule_an_early_end_still_counts_and_asks_nothing(client, site):
    approve_agreement(site["project"], site["coordinator"], rule="started")
    place(client, site, start_date="2026-02-01")
    assert end(client, only_placement(), "2026-02-20").status_code == 303


def test_next_rung_before_the_minimum_asks_for_a_confirmation(client, site):
    strict(site)
    place(client, site, rung="internship", start_date="2026-03-02")
    first = only_placement()
    data = {"end_on": "2026-03-20", "version": first.version}
    response = client.post(f"/placements/{first.id}/next-rung", data=data)
    assert response.status_code == 422
    assert "29.03.2026" in response.get_data(as_text=True)  # four weeks from 2 March
    assert len(db.session.scalars(select(Placement)).all()) == 1
    confirmed = client.post(f"/placements/{first.id}/next-rung", data={**data, "confirm": "y"})
    assert confirmed.status_code == 303
    assert only_placement().start_date == date(2026, 3, 21)


def test_a_placement_starting_outside_the_execution_phase_asks_for_a_confirmation(client, site):
    response = place(client, site, start_date="2025-12-01")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "starter før udførelsesfasen begynder den 01.01.2026" in html
    assert 'id="confirm-error"' in html
    assert db.session.scalar(select(Placement)) is None
    assert place(client, site, start_date="2025-12-01", confirm="y").status_code == 303
    early = only_placement()
    assert early.start_date == date(2025, 12, 1)
    early.actual_end = date(2025, 12, 31)
    db.session.commit()
    # A start inside the phase (its last day) asks nothing.
    assert place(client, site, start_date="2027-12-31", rung="ordinary").status_code == 303


def test_next_rung_after_the_execution_phase_warns(client, site):
    place(client, site, rung="ordinary", start_date="2027-10-01")
    current = only_placement()
    data = {"end_on": "2027-12-31", "version": current.version}
    response = client.post(f"/placements/{current.id}/next-rung", data=data)
    assert response.status_code == 422
    assert "efter udførelsesfasen sluttede den 31.12.2027" in response.get_data(as_text=True)


def test_next_rung_never_proposes_a_last_day_before_the_start(client, site):
    place(client, site, rung="internship", start_date="2027-06-01")  # after today
    placement = only_placement()
    html = client.get(f"/candidates/{site['person'].id}").get_data(as_text=True)
    field = html.split(f'id="next-{placement.id}"')[1].split(">")[0]
    assert 'value="2027-06-01"' in field and 'min="2027-06-01"' in field
