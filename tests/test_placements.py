"""Matches and placements: the match rule, overlaps, next rung, ending, and the journey."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.candidates import service as candidates_service
from app.candidates.models import Candidate
from app.clock import local_today
from app.extensions import db
from app.models import Phase, Role, Rung
from app.openings.models import OpeningStatus
from app.placements.models import Outcome, Placement
from app.placements.rules import Durations, add_months
from tests.placing import place, talk

HX = {"HX-Request": "true"}


@pytest.fixture
def site(make, login):
    coordinator = login(make.user(Role.COORDINATOR))
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main, sub, stranger = (
        make.company("Nordbyg"),
        make.company("Jysk Murer"),
        make.company("Fremmed"),
    )
    project = make.project(assoc, "Gellerup", Phase.EXECUTION, main=main, subs=[sub])
    person = Candidate(first_name="Mads", last_name="Holm", association=assoc, area=assoc.areas[0])
    candidates_service.save(person)
    db.session.commit()
    return dict(
        coordinator=coordinator,
        project=project,
        main=main,
        sub=sub,
        stranger=stranger,
        person=person,
        assoc=assoc,
    )


def test_no_match_without_a_conversation_first(client, site):
    response = place(client, site)
    assert response.status_code == 422
    assert 'id="candidate_id-error"' in response.get_data(as_text=True)
    talk(site["person"], kind="retention")  # only pre-match conversations count
    assert place(client, site).status_code == 422
    talk(site["person"])
    assert place(client, site).status_code == 303


def test_the_minimum_number_of_conversations_is_configurable(app, client, site):
    talk(site["person"])
    app.config["MIN_PRE_MATCH"] = 2
    try:
        assert place(client, site).status_code == 422
        talk(site["person"], day=date(2026, 3, 5))
        assert place(client, site).status_code == 303
    finally:
        app.config.pop("MIN_PRE_MATCH")


def test_planned_end_defaults_from_the_rung(client, site):
    talk(site["person"])
    place(client, site)
    placement = db.session.scalar(select(Placement))
    assert placement.planned_end == add_months(date(2026, 3, 16), 3) - timedelta(days=1)
    assert Durations().planned_end(Rung.INTERNSHIP, date(2026, 1, 1)) == date(2026, 2, 11)
    assert Durations().planned_end(Rung.APPRENTICESHIP, date(2026, 1, 1)) is None


def test_a_person_outside_social_housing_cannot_be_matched(client, site):
    site["person"].association_id = None
    site["person"].area_id = None
    db.session.commit()
    talk(site["person"])
    response = place(client, site)
    assert response.status_code == 422
    assert 'id="candidate_id-error"' in response.get_data(as_text=True)


def test_the_company_must_take_part_in_the_project(client, site):
    talk(site["person"])
    response = place(client, site, company_id=site["stranger"].id)
    assert response.status_code == 422
    assert 'id="company_id-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Placement)) is None


def test_one_person_cannot_hold_two_placements_at_once(client, site):
    talk(site["person"])
    assert place(client, site).status_code == 303
    second = place(client, site, company_id=site["sub"].id, start_date="2026-04-01")
    assert second.status_code == 422
    assert 'id="start_date-error"' in second.get_data(as_text=True)
    assert len(db.session.scalars(select(Placement)).all()) == 1


def test_end_before_start_is_refused(client, site):
    talk(site["person"])
    response = place(client, site, planned_end="2026-03-01")
    assert response.status_code == 422
    assert 'id="planned_end-error"' in response.get_data(as_text=True)
    place(client, site)
    placement = db.session.scalar(select(Placement))
    ended = client.post(
        f"/placements/{placement.id}/end",
        data={"actual_end": "2026-03-01", "outcome": "completed", "version": placement.version},
    )
    assert ended.status_code == 422
    db.session.refresh(placement)
    assert placement.actual_end is None


def test_ending_early_needs_a_reason(client, site):
    talk(site["person"])
    place(client, site)
    placement = db.session.scalar(select(Placement))
    refused = client.post(
        f"/placements/{placement.id}/end",
        data={
            "actual_end": "2026-04-01",
            "outcome": "ended_early",
            "reason": "",
            "version": placement.version,
        },
    )
    assert refused.status_code == 422
    ok = client.post(
        f"/placements/{placement.id}/end",
        data={
            "actual_end": "2026-04-01",
            "outcome": "ended_early",
            "reason": "Ryggen kunne ikke holde",
            "version": placement.version,
        },
    )
    assert ok.status_code == 303
    db.session.refresh(placement)
    assert (placement.actual_end, placement.outcome) == (date(2026, 4, 1), Outcome.ENDED_EARLY)


def test_next_rung_ends_this_one_and_starts_the_next_the_day_after(client, site):
    talk(site["person"])
    place(client, site, rung="internship", start_date="2026-03-02")
    first = db.session.scalar(select(Placement))
    response = client.post(
        f"/placements/{first.id}/next-rung", data={"end_on": "2026-04-10", "version": first.version}
    )
    assert response.status_code == 303
    rows = db.session.scalars(select(Placement).order_by(Placement.start_date)).all()
    assert [(p.rung, p.start_date, p.actual_end, p.outcome) for p in rows] == [
        ("internship", date(2026, 3, 2), date(2026, 4, 10), "next_rung"),
        ("wage_subsidy", date(2026, 4, 11), None, None),
    ]
    assert rows[1].company_id == first.company_id and rows[1].previous_id == first.id


def test_the_top_of_the_ladder_has_no_next_rung(client, site):
    talk(site["person"])
    place(client, site, rung="apprenticeship")
    top = db.session.scalar(select(Placement))
    response = client.post(
        f"/placements/{top.id}/next-rung", data={"end_on": "2026-06-01", "version": top.version}
    )
    assert response.status_code == 422
    assert len(db.session.scalars(select(Placement)).all()) == 1


def test_matching_a_reported_opening_marks_it_matched(client, make, site):
    talk(site["person"])
    opening = make.opening(
        site["project"],
        site["sub"],
        site["coordinator"],
        expected_start=local_today() + timedelta(days=7),
    )
    listing = client.get("/placements/openings").get_data(as_text=True)
    assert f"/placements/new?opening_id={opening.id}" in listing
    page = client.get(f"/placements/new?opening_id={opening.id}").get_data(as_text=True)
    assert f'<option selected value="{site["sub"].id}">' in page
    response = place(
        client,
        site,
        company_id=site["sub"].id,
        rung="internship",
        start_date=opening.expected_start.isoformat(),
        opening_id=opening.id,
    )
    assert response.status_code == 303
    db.session.refresh(opening)
    assert opening.status == OpeningStatus.MATCHED
    assert db.session.scalar(select(Placement.opening_id)) == opening.id


def test_company_and_candidate_options_are_fragments(client, site):
    companies = client.get(
        "/placements/company-options", query_string={"project_id": site["project"].id}, headers=HX
    )
    html = companies.get_data(as_text=True)
    assert "<html" not in html and "Nordbyg" in html and "Fremmed" not in html
    people = client.get("/placements/candidate-options", query_string={"q": "mads"}, headers=HX)
    assert f'value="{site["person"].id}"' in people.get_data(as_text=True)


def test_the_journey_is_drawn_as_the_ladder(client, site):
    talk(site["person"])
    place(client, site, rung="internship", start_date="2026-03-02")
    first = db.session.scalar(select(Placement))
    client.post(
        f"/placements/{first.id}/next-rung", data={"end_on": "2026-04-10", "version": first.version}
    )
    html = client.get(f"/candidates/{site['person'].id}").get_data(as_text=True)
    assert html.count('<g class="bar rung-') == 2
    assert 'class="bar rung-wage_subsidy running"' in html
    assert '<path d="M' in html  # the step between the two rungs


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_placement_tools_are_for_coordinators_only(client, make, login, site, role):
    talk(site["person"])
    place(client, site)
    placement = db.session.scalar(select(Placement))
    login(make.user(role))
    for url in (
        "/placements/new",
        "/placements/openings",
        "/placements/company-options",
        "/placements/candidate-options?q=mads",
    ):
        assert client.get(url).status_code == 403, url
    for url in (
        f"/placements/{placement.id}/end",
        f"/placements/{placement.id}/next-rung",
        "/placements/new",
    ):
        assert client.post(url, data={"end_on": "2026-05-01"}).status_code == 403, url
