"""Optimistic locking on placements: "Next rung" and "End the placement" carry the version the
page showed; a change based on an outdated page answers 409 and changes nothing."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Phase, Role, Rung
from app.placements import service
from app.placements.models import Outcome, Placement

CONFLICT = "Someone else changed this placement after you opened the page"


@pytest.fixture
def placement(make, login, client):
    login(make.user(Role.COORDINATOR))
    with client.session_transaction() as session:
        session["lang"] = "en"  # the assertions read the English messages
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main = make.company("Nordbyg")
    project = make.project(assoc, "Gellerup", Phase.EXECUTION, main=main)
    person = make.candidate("Mads", "Holm", assoc)
    make.conversation(person, date(2026, 3, 1), "pre_match")
    return make.placement(
        person, project, main, Rung.INTERNSHIP, date(2026, 3, 2), planned_end=date(2026, 4, 30)
    )


def end(client, placement, version, **changes):
    data = {"actual_end": "2026-04-10", "outcome": "completed", "reason": "", "version": version}
    data.update(changes)
    return client.post(f"/placements/{placement.id}/end", data=data)


def next_rung(client, placement, version, end_on="2026-04-10"):
    data = {"end_on": end_on, "version": version}
    return client.post(f"/placements/{placement.id}/next-rung", data=data)


def state(placement):
    """What a user would see of the placement and its candidate's ladder."""
    db.session.expire_all()
    row = db.session.get(Placement, placement.id)
    count = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.candidate_id == row.candidate_id)
    )
    return (row.version, row.actual_end, row.outcome, row.outcome_reason, count)


def form_html(html: str, action: str) -> str:
    match = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S)
    assert match, action
    return match.group(0)


def test_the_candidate_page_puts_the_version_in_both_placement_forms(client, placement):
    db.session.execute(update(Placement).values(version=7))
    db.session.commit()
    html = client.get(f"/candidates/{placement.candidate_id}").get_data(as_text=True)
    for action in (f"/placements/{placement.id}/next-rung", f"/placements/{placement.id}/end"):
        assert '<input type="hidden" name="version" value="7">' in form_html(html, action)


def test_ending_on_the_current_version_works_and_moves_the_version_on(client, placement):
    assert end(client, placement, placement.version).status_code == 303
    assert state(placement) == (2, date(2026, 4, 10), Outcome.COMPLETED, "", 1)


@pytest.mark.parametrize("version", ["0", "2", "", None], ids=["older", "newer", "empty", "absent"])
def test_ending_from_an_outdated_page_is_refused(client, placement, version):
    before = state(placement)
    data = {"actual_end": "2026-04-10", "outcome": "completed"}
    if version is not None:
        data["version"] = version
    response = client.post(f"/placements/{placement.id}/end", data=data)
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    assert state(placement) == before


def test_next_rung_from_an_outdated_page_is_refused(client, placement):
    before = state(placement)
    response = next_rung(client, placement, version=placement.version + 1)
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    assert state(placement) == before


def test_two_coordinators_on_the_same_page_the_second_one_is_stopped(client, placement):
    """A ends the placement as completed; B, still looking at the old page, moves it up a rung.
    Without the version B would overwrite A's outcome and start a rung A never agreed to."""
    seen = placement.version
    assert end(client, placement, seen).status_code == 303
    after_a = state(placement)

    response = next_rung(client, placement, seen)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert CONFLICT in html
    assert "Completed" in html  # shows how the placement stands now
    assert 'name="end_on"' not in html and 'name="actual_end"' not in html  # no stale form
    assert state(placement) == after_a

    again = end(client, placement, seen, outcome="other_work")  # a double-submitted end
    assert again.status_code == 409
    assert state(placement) == after_a


def test_a_refusal_keeps_the_version_so_the_corrected_form_saves(client, placement):
    response = end(client, placement, placement.version, actual_end="2026-01-01")
    assert response.status_code == 422  # the end before the start: the other rules still hold
    html = response.get_data(as_text=True)
    assert f'name="version" type="hidden" value="{placement.version}"' in html
    assert end(client, placement, placement.version).status_code == 303


@pytest.mark.parametrize("action", ["end", "next_rung"])
def test_a_change_committed_between_our_read_and_our_write_is_refused(
    client, placement, monkeypatch, action
):
    """The version matched when the request read the placement, but another request saved
    first: the UPDATE finds no row at our version, and nothing of ours is kept."""
    real_end = service.end

    def end_after_someone_else(target, *args, **kwargs):
        with db.engine.begin() as other:  # another worker's connection and transaction
            other.execute(
                update(Placement)
                .where(Placement.id == target.id)
                .values(version=Placement.version + 1, outcome_reason="saved by someone else")
            )
        return real_end(target, *args, **kwargs)

    monkeypatch.setattr(service, "end", end_after_someone_else)
    seen = placement.version
    if action == "end":
        response = end(client, placement, seen)
    else:
        response = next_rung(client, placement, seen)
    assert response.status_code == 409
    assert CONFLICT in response.get_data(as_text=True)
    assert state(placement) == (seen + 1, None, None, "saved by someone else", 1)
