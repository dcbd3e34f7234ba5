"""Openings: contractors and staff report them, everyone in the project's scope reads them,
staff change their status, and a contractor withdraws its own."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import format_date
from sqlalchemy import event, select

from app.clock import local_today
from app.extensions import db
from app.models import Phase, Role, Rung
from app.openings.models import JobFunction, Opening, OpeningStatus
from tests.factories import Factories

HX = {"HX-Request": "true"}


@pytest.fixture
def site(make):
    """A project awarded to a main contractor with one subcontractor, and its client."""
    main = make.company("Nordbyg A/S")
    sub = make.company("Jysk Murer ApS")
    association = make.association("Brabrand Boligforening")
    project = make.project(
        association, "Helhedsplan Gellerup", Phase.EXECUTION, main=main, subs=[sub]
    )
    return project, main, sub


def _opening(project, company, reporter, **kw) -> Opening:
    kw.setdefault("expected_start", local_today() + timedelta(days=30))
    return Factories().opening(project, company, reporter, **kw)


def _form(company_id, **overrides) -> dict:
    data = {
        "function": JobFunction.CARPENTER_HELPER.value,
        "trade": "Tømrer",
        "company_id": str(company_id),
        "expected_start": (local_today() + timedelta(days=14)).isoformat(),
        "rung": Rung.WAGE_SUBSIDY.value,
        "note": "Mødested: skurvognen kl. 7",
    }
    data.update(overrides)
    return data


def _all_openings() -> list[Opening]:
    db.session.expire_all()
    return list(db.session.scalars(select(Opening).order_by(Opening.id)))


def _user(make, role, site, whose=None):
    """A user of the role; `whose` names the organisation: main, sub, client, other."""
    project, main, sub = site
    organisation = {
        "main": main,
        "sub": sub,
        "client": project.client,
        "other_client": make.association("Anden Boligforening"),
        "other_company": make.company("Fremmed Byg ApS"),
        None: None,
    }[whose]
    return make.user(role, organisation=organisation)


READERS = [
    (Role.COORDINATOR, None),
    (Role.ADMIN, None),
    (Role.CLIENT, "client"),
    (Role.CONTRACTOR, "main"),
    (Role.CONTRACTOR, "sub"),
]
OUTSIDERS = [(Role.CLIENT, "other_client"), (Role.CONTRACTOR, "other_company")]


# --- Reading ---------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, make, site):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR))
    for method, url in (
        ("get", f"/projects/{project.id}/openings"),
        ("post", f"/projects/{project.id}/openings"),
        ("post", f"/projects/{project.id}/openings/{opening.id}/status"),
        ("post", f"/projects/{project.id}/openings/{opening.id}/withdraw"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login"), url


@pytest.mark.parametrize(("role", "whose"), READERS)
def test_everyone_in_scope_reads_the_openings(app, client, make, login, site, role, whose):
    project, main, sub = site
    start = local_today() + timedelta(days=60)
    _opening(project, sub, make.user(Role.CONTRACTOR, sub, name="Mette Murer"), trade="Facademurer")
    _opening(project, main, make.user(Role.COORDINATOR), expected_start=start, note="Kun hverdage")
    login(_user(make, role, site, whose))
    response = client.get(f"/projects/{project.id}/openings")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "Helhedsplan Gellerup" in html
    for value in ("Nordbyg A/S", "Jysk Murer ApS", "Facademurer", "Mette Murer", "Kun hverdage"):
        assert value in html
    with app.test_request_context():
        assert format_date(start, "medium") in html  # Danish, e.g. "26. dec. 2026"


@pytest.mark.parametrize(("role", "whose"), OUTSIDERS)
def test_users_outside_the_project_get_404(client, make, login, site, role, whose):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR))
    login(_user(make, role, site, whose))
    assert client.get(f"/projects/{project.id}/openings").status_code == 404
    if role == Role.CONTRACTOR:  # a client is refused by role before the project is looked up
        assert (
            client.post(f"/projects/{project.id}/openings", data=_form(main.id)).status_code == 404
        )
        withdraw = client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw")
        assert withdraw.status_code == 404
    assert len(_all_openings()) == 1
    assert _all_openings()[0].status == OpeningStatus.OPEN


def test_unknown_and_non_numeric_ids_are_404(client, make, login, site):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR))
    other_project = make.project(phase=Phase.AWARDED, main=main)
    login(make.user(Role.COORDINATOR))
    assert client.get("/projects/abc/openings").status_code == 404
    assert client.get("/projects/999999/openings").status_code == 404
    assert client.post("/projects/abc/openings", data=_form(main.id)).status_code == 404
    for suffix in ("status", "withdraw"):
        assert client.post(f"/projects/{project.id}/openings/abc/{suffix}").status_code == 404
        assert client.post(f"/projects/x/openings/{opening.id}/{suffix}").status_code == 404
    # An opening addressed through another project is not found there.
    moved = client.post(
        f"/projects/{other_project.id}/openings/{opening.id}/status", data={"status": "matched"}
    )
    assert moved.status_code == 404
    assert _all_openings()[0].status == OpeningStatus.OPEN


def test_list_fragment_for_htmx(client, make, login, site):
    project, main, _sub = site
    _opening(project, main, make.user(Role.COORDINATOR), trade="Stillads")
    login(make.user(Role.COORDINATOR))
    page = client.get(f"/projects/{project.id}/openings")
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get(f"/projects/{project.id}/openings", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment
    assert 'id="opening-list"' in fragment and "Stillads" in fragment
    assert 'id="opening-form-card"' not in fragment


def test_open_openings_come_first_then_the_soonest_start(client, make, login, site):
    project, main, _sub = site
    staff = make.user(Role.COORDINATOR)
    today = local_today()
    _opening(
        project,
        main,
        staff,
        trade="Matchet-tidlig",
        status=OpeningStatus.MATCHED,
        expected_start=today + timedelta(days=1),
    )
    _opening(project, main, staff, trade="Åben-sen", expected_start=today + timedelta(days=90))
    _opening(
        project,
        main,
        staff,
        trade="Trukket-tidlig",
        status=OpeningStatus.WITHDRAWN,
        expected_start=today,
    )
    _opening(project, main, staff, trade="Åben-snart", expected_start=today + timedelta(days=5))
    login(staff)
    html = client.get(f"/projects/{project.id}/openings", headers=HX).get_data(as_text=True)
    order = ["Åben-snart", "Åben-sen", "Matchet-tidlig", "Trukket-tidlig"]
    positions = [html.index(trade) for trade in order]
    assert positions == sorted(positions)


def test_filter_by_status(client, make, login, site):
    project, main, _sub = site
    staff = make.user(Role.COORDINATOR)
    _opening(project, main, staff, trade="Den åbne")
    _opening(project, main, staff, trade="Den matchede", status=OpeningStatus.MATCHED)
    login(staff)

    def trades(**params):
        html = client.get(f"/projects/{project.id}/openings", query_string=params, headers=HX)
        text = html.get_data(as_text=True)
        return {t for t in ("Den åbne", "Den matchede") if t in text}

    assert trades() == {"Den åbne", "Den matchede"}
    assert trades(status="matched") == {"Den matchede"}
    assert trades(status="open") == {"Den åbne"}
    assert trades(status="withdrawn") == set()
    assert trades(status="nonsense") == trades()  # an unknown filter is ignored


def test_the_list_does_not_query_once_per_opening(app, client, make, login, site):
    project, main, sub = site
    login(make.user(Role.COORDINATOR))
    reporters = [make.user(Role.CONTRACTOR, c) for c in (main, sub)]

    def count_queries() -> int:
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/projects/{project.id}/openings")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements)

    for i in range(3):
        _opening(project, (main, sub)[i % 2], reporters[i % 2])
    few = count_queries()
    for i in range(27):
        company = (main, sub)[i % 2]
        _opening(project, company, make.user(Role.CONTRACTOR, company))  # 27 more reporters
    many = count_queries()
    assert len(_all_openings()) == 30
    assert many == few, f"{few} queries for 3 openings, {many} for 30"


# --- Reporting -------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "whose"), READERS[:2] + READERS[3:])
def test_staff_and_the_projects_contractors_see_the_form(client, make, login, site, role, whose):
    project, *_ = site
    login(_user(make, role, site, whose))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert 'id="opening-form-card"' in html and 'name="expected_start"' in html


def test_a_client_reads_but_cannot_report(client, make, login, site):
    project, main, _sub = site
    login(make.user(Role.CLIENT, project.client))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert 'id="opening-form-card"' not in html
    assert client.post(f"/projects/{project.id}/openings", data=_form(main.id)).status_code == 403
    assert (
        client.post(f"/projects/{project.id}/openings", data=_form(main.id), headers=HX).status_code
        == 403
    )
    assert _all_openings() == []


def test_a_client_of_another_association_cannot_report_either(client, make, login, site):
    project, main, _sub = site
    login(make.user(Role.CLIENT, make.association("Anden Boligforening")))
    assert client.post(f"/projects/{project.id}/openings", data=_form(main.id)).status_code == 403
    assert _all_openings() == []


def test_the_main_contractor_may_choose_any_company_on_the_project(client, make, login, site):
    project, main, sub = site
    user = login(make.user(Role.CONTRACTOR, main))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert f'<option selected value="{main.id}">Nordbyg A/S</option>' in html
    assert f'value="{sub.id}">Jysk Murer ApS</option>' in html

    response = client.post(f"/projects/{project.id}/openings", data=_form(sub.id))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/projects/{project.id}/openings"
    [opening] = _all_openings()
    assert opening.company_id == sub.id
    assert opening.reported_by_id == user.id
    assert opening.function == JobFunction.CARPENTER_HELPER
    assert opening.rung == Rung.WAGE_SUBSIDY
    assert opening.trade == "Tømrer" and opening.note == "Mødested: skurvognen kl. 7"
    assert opening.expected_start == local_today() + timedelta(days=14)
    assert opening.status == OpeningStatus.OPEN
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-success"' in html and "Tømrer" in html


def test_a_subcontractor_reports_for_its_own_company_only(client, make, login, site):
    project, main, sub = site
    login(make.user(Role.CONTRACTOR, sub))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert f'<option selected value="{sub.id}">Jysk Murer ApS</option>' in html
    assert f'value="{main.id}"' not in html

    forged = client.post(f"/projects/{project.id}/openings", data=_form(main.id), headers=HX)
    assert forged.status_code == 422
    assert 'id="company_id-error"' in forged.get_data(as_text=True)
    assert _all_openings() == []

    response = client.post(f"/projects/{project.id}/openings", data=_form(sub.id), headers=HX)
    assert response.status_code == 200
    assert [o.company_id for o in _all_openings()] == [sub.id]


def test_reporting_with_htmx_returns_a_fresh_form_and_the_list_out_of_band(
    client, make, login, site
):
    project, _main, sub = site
    login(make.user(Role.COORDINATOR))
    response = client.post(
        f"/projects/{project.id}/openings",
        data=_form(sub.id, trade="Stillads ved blok 7"),
        headers=HX,
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers  # nothing listens for an event
    html = response.get_data(as_text=True)
    assert "<html" not in html
    form_part, list_part = html.split('<div id="opening-list" hx-swap-oob="true">')
    assert 'id="opening-form-card"' in form_part
    assert "Stillads ved blok 7" not in form_part  # the form is emptied for the next opening
    assert "Stillads ved blok 7" in list_part and "Jysk Murer ApS" in list_part
    assert 'id="flashes" role="status" aria-live="polite" hx-swap-oob="true"' in list_part
    assert len(_all_openings()) == 1


def test_staff_may_report_for_any_company_on_the_project(client, make, login, site):
    project, main, sub = site
    login(make.user(Role.ADMIN))
    for company in (main, sub):
        assert (
            client.post(f"/projects/{project.id}/openings", data=_form(company.id)).status_code
            == 303
        )
    assert [o.company_id for o in _all_openings()] == [main.id, sub.id]


@pytest.mark.parametrize("company_id", ["other", "0", "", "abc", "-1"])
def test_a_company_not_on_the_project_is_refused_with_422(client, make, login, site, company_id):
    project, *_ = site
    stranger = make.company("Fremmed Byg ApS")
    login(make.user(Role.COORDINATOR))
    value = str(stranger.id) if company_id == "other" else company_id
    response = client.post(f"/projects/{project.id}/openings", data=_form(value), headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="company_id-error"' in html
    assert _all_openings() == []


def test_required_fields_answer_422_beside_the_fields(client, make, login, site):
    project, main, _sub = site
    login(make.user(Role.CONTRACTOR, main))
    response = client.post(
        f"/projects/{project.id}/openings",
        data=_form(main.id, function="", expected_start=""),
        headers=HX,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="opening-form-card"' in html
    assert 'id="function-error"' in html and 'aria-describedby="function-error"' in html
    assert 'id="expected_start-error"' in html
    assert "Tømrer" in html  # what the user typed is kept
    assert _all_openings() == []


def test_invalid_input_without_htmx_shows_the_whole_page_with_422(client, make, login, site):
    project, main, _sub = site
    login(make.user(Role.CONTRACTOR, main))
    response = client.post(f"/projects/{project.id}/openings", data=_form(main.id, function=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="function-error"' in html and 'id="opening-list"' in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expected_start", "yesterday"),
        ("expected_start", "2027-13-45"),
        ("expected_start", "i morgen"),
        ("function", "astronaut"),
        ("rung", "boss"),
        ("trade", "x" * 101),
        ("note", "x" * 1001),
    ],
)
def test_bad_values_answer_422(client, make, login, site, field, value):
    project, main, _sub = site
    login(make.user(Role.COORDINATOR))
    if value == "yesterday":
        value = (local_today() - timedelta(days=1)).isoformat()
    response = client.post(
        f"/projects/{project.id}/openings", data=_form(main.id, **{field: value})
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _all_openings() == []


def test_a_malformed_date_says_so_in_danish(client, make, login, site):
    project, main, _sub = site
    login(make.user(Role.COORDINATOR))
    response = client.post(
        f"/projects/{project.id}/openings", data=_form(main.id, expected_start="2027-02-30")
    )
    assert response.status_code == 422
    assert "Ikke en gyldig dato." in response.get_data(as_text=True)


def test_an_opening_may_start_today(client, make, login, site):
    project, main, _sub = site
    login(make.user(Role.COORDINATOR))
    data = _form(main.id, expected_start=local_today().isoformat(), trade="", note="")
    assert client.post(f"/projects/{project.id}/openings", data=data).status_code == 303
    [opening] = _all_openings()
    assert opening.expected_start == local_today() and opening.trade == "" and opening.note == ""


def test_a_project_without_companies_has_nothing_to_report_for(client, make, login):
    project = make.project(name="Ny skole")  # in tender: no contractor yet
    login(make.user(Role.COORDINATOR))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert 'name="expected_start"' not in html
    response = client.post(f"/projects/{project.id}/openings", data=_form(0))
    assert response.status_code == 422
    assert _all_openings() == []


def test_the_forms_carry_the_csrf_token(app, client, make, login, site, monkeypatch):
    project, main, _sub = site
    _opening(project, main, make.user(Role.COORDINATOR))
    login(make.user(Role.CONTRACTOR, main))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    tokens += re.findall(r'name="csrf_token" value="([^"]+)"', html)
    # The language switch and sign-out (in the wide header and again in the phone menu),
    # withdraw and the report form.
    assert len(tokens) == 6
    token = tokens[-1]
    data = _form(main.id)
    assert (
        client.post(f"/projects/{project.id}/openings", data=data).status_code == 400
    )  # CSRFProtect
    assert len(_all_openings()) == 1
    assert (
        client.post(
            f"/projects/{project.id}/openings", data={**data, "csrf_token": token}
        ).status_code
        == 303
    )
    assert len(_all_openings()) == 2
    withdraw = f"/projects/{project.id}/openings/{_all_openings()[0].id}/withdraw"
    assert client.post(withdraw).status_code == 400
    assert client.post(withdraw, headers={"X-CSRFToken": token, **HX}).status_code == 200
    assert _all_openings()[0].status == OpeningStatus.WITHDRAWN


# --- Changing the status ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_change_the_status_inline(client, make, login, site, role):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.CONTRACTOR, main), trade="Pladsmand")
    login(make.user(role))
    url = f"/projects/{project.id}/openings/{opening.id}/status"
    response = client.post(url, data={"status": "matched"}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="opening-list"' in html and "Pladsmand" in html
    assert 'hx-swap-oob="true"' in html  # the flash
    assert _all_openings()[0].status == OpeningStatus.MATCHED

    # Without JavaScript: back to the list, keeping the filter.
    response = client.post(url, data={"status": "open", "filter": "open"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/projects/{project.id}/openings?status=open"
    assert _all_openings()[0].status == OpeningStatus.OPEN


def test_the_status_change_keeps_the_users_filter(client, make, login, site):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR), trade="Forsvinder")
    login(make.user(Role.COORDINATOR))
    response = client.post(
        f"/projects/{project.id}/openings/{opening.id}/status",
        data={"status": "withdrawn", "filter": "open"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Forsvinder" not in response.get_data(as_text=True)  # no longer open: filtered out


@pytest.mark.parametrize("status", ["", "closed", "OPEN"])
def test_an_unknown_status_answers_422(client, make, login, site, status):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR))
    login(make.user(Role.COORDINATOR))
    url = f"/projects/{project.id}/openings/{opening.id}/status"
    assert client.post(url, data={"status": status}, headers=HX).status_code == 422
    assert client.post(url, data={"status": status}).status_code == 422
    assert _all_openings()[0].status == OpeningStatus.OPEN


@pytest.mark.parametrize(("role", "whose"), READERS[2:] + OUTSIDERS)
def test_only_staff_change_the_status(client, make, login, site, role, whose):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.CONTRACTOR, main))
    login(_user(make, role, site, whose))
    url = f"/projects/{project.id}/openings/{opening.id}/status"
    assert client.post(url, data={"status": "matched"}, headers=HX).status_code == 403
    assert _all_openings()[0].status == OpeningStatus.OPEN


# --- Withdrawing -----------------------------------------------------------------------------


def test_a_contractor_withdraws_its_own_companys_opening(client, make, login, site):
    project, _main, sub = site
    opening = _opening(project, sub, make.user(Role.COORDINATOR), trade="Murerarbejdsmand")
    login(make.user(Role.CONTRACTOR, sub))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert f"/projects/{project.id}/openings/{opening.id}/withdraw" in html
    response = client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw", headers=HX)
    assert response.status_code == 200
    assert 'id="opening-list"' in response.get_data(as_text=True)
    assert _all_openings()[0].status == OpeningStatus.WITHDRAWN


def test_withdraw_without_javascript_redirects(client, make, login, site):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR))
    login(make.user(Role.CONTRACTOR, main))
    response = client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/projects/{project.id}/openings"
    assert _all_openings()[0].status == OpeningStatus.WITHDRAWN


def test_the_reporter_may_withdraw_what_it_reported_for_another_company(client, make, login, site):
    project, main, sub = site
    reporter = make.user(Role.CONTRACTOR, main)
    opening = _opening(project, sub, reporter)
    login(reporter)
    response = client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw")
    assert response.status_code == 303
    assert _all_openings()[0].status == OpeningStatus.WITHDRAWN


def test_a_contractor_cannot_withdraw_another_companys_opening(client, make, login, site):
    project, main, sub = site
    opening = _opening(project, main, make.user(Role.CONTRACTOR, main), trade="Hovedentreprise")
    login(make.user(Role.CONTRACTOR, sub))
    html = client.get(f"/projects/{project.id}/openings").get_data(as_text=True)
    assert "Hovedentreprise" in html and "/withdraw" not in html
    assert client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw").status_code == 403
    assert _all_openings()[0].status == OpeningStatus.OPEN


def test_a_matched_opening_cannot_be_withdrawn_by_the_contractor(client, make, login, site):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR), status=OpeningStatus.MATCHED)
    login(make.user(Role.CONTRACTOR, main))
    assert client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw").status_code == 403
    assert _all_openings()[0].status == OpeningStatus.MATCHED


@pytest.mark.parametrize(("role", "whose"), READERS[:3] + [(Role.CLIENT, "other_client")])
def test_staff_and_clients_do_not_use_withdraw(client, make, login, site, role, whose):
    project, main, _sub = site
    opening = _opening(project, main, make.user(Role.COORDINATOR))
    login(_user(make, role, site, whose))
    assert client.post(f"/projects/{project.id}/openings/{opening.id}/withdraw").status_code == 403
    assert _all_openings()[0].status == OpeningStatus.OPEN
