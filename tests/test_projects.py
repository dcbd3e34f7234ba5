"""The project list with filters and search, the detail page, inline create and edit."""

import re
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import CompanyRole, Phase, Project, ProjectCompany, Role

HX = {"HX-Request": "true"}


def _form(project_data: dict) -> dict:
    base = {
        "name": "Nyt byggeri",
        "address": "Gudrunsvej 1",
        "client_id": "",
        "phase": "tender",
        "execution_start": "",
        "execution_end": "",
        "main_contractor_id": "0",
        "description": "",
    }
    base.update(project_data)
    return base


def test_list_page_and_fragment(client, make, coordinator):
    make.project(name="Helhedsplan Gellerup")
    page = client.get("/projects/")
    assert page.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get("/projects/", headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="project-results"' in html
    assert "Helhedsplan Gellerup" in html


def test_the_association_filter_offers_the_clients_of_the_projects_each_role_sees(
    client, make, login
):
    """Staff choose among every client association; a contractor among the clients of the
    projects it works on; an association sees only its own projects, so no filter."""
    vestbo, oestbo, nordbo = (make.association(n) for n in ("Vestbo", "Østbo", "Nordbo"))
    builder = make.company("Nordbyg A/S")
    make.project(vestbo, "Toveshøj", Phase.AWARDED, main=builder)
    make.project(oestbo, "Skovgårdsparken", Phase.TENDER)
    make.project(nordbo, "Bispehaven", Phase.AWARDED, main=builder)
    make.association("Sydbo")  # a client of no project: never offered

    def offered(user) -> list[str]:
        login(user)
        html = client.get("/projects/").get_data(as_text=True)
        if 'id="filter-client"' not in html:
            return []
        choices = html.split('id="filter-client"')[1].split("</select>")[0]
        return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', choices)

    staff = ["Nordbo", "Vestbo", "Østbo"]
    assert offered(make.user(Role.COORDINATOR)) == staff
    assert offered(make.user(Role.ADMIN)) == staff
    assert offered(make.user(Role.CONTRACTOR, builder)) == ["Nordbo", "Vestbo"]
    assert offered(make.user(Role.CLIENT, vestbo)) == []  # its own projects only
    assert offered(make.user(Role.CONTRACTOR, make.company("Ingen sager ApS"))) == []


def test_boosted_and_history_restore_requests_get_the_whole_page(client, make, coordinator):
    for headers in ({**HX, "HX-Boosted": "true"}, {**HX, "HX-History-Restore-Request": "true"}):
        assert "<html" in client.get("/projects/", headers=headers).get_data(as_text=True)


def test_search_and_filters(client, make, coordinator):
    a, b = make.association("Vestbo"), make.association("Østbo")
    make.project(a, "Renovering Toveshøj", Phase.TENDER)
    make.project(a, "Ny skole", Phase.AWARDED, main=make.company())
    make.project(b, "Renovering Skovgårdsparken", Phase.TENDER)

    def names(**params):
        html = client.get("/projects/", query_string=params, headers=HX).get_data(as_text=True)
        return set(re.findall(r'href="/projects/\d+">([^<]+)</a>', html))

    assert names(q="renovering") == {"Renovering Toveshøj", "Renovering Skovgårdsparken"}
    assert names(q="RENOVERING", client_id=b.id) == {"Renovering Skovgårdsparken"}
    assert names(phase="awarded") == {"Ny skole"}
    assert names(q="100%_") == set()  # LIKE wildcards are searched for literally
    assert names(phase="nonsense") == names()  # an unknown filter value is ignored
    html = client.get("/projects/", query_string={"q": "findes ikke"}).get_data(as_text=True)
    assert "Ingen byggesager matcher søgningen." in html


def test_the_search_finds_a_project_by_what_it_was_renamed_to(client, make, coordinator):
    """The list searches the name and address as they were last saved, folded the same way as
    the term; a term never runs from the end of the name into the address."""
    project = make.project(name="Helhedsplan Bispehaven", address="Bispehaven 1")
    make.project(name="Skolebyggeri", address="Skolevej 2")

    def names(q):
        html = client.get("/projects/", query_string={"q": q}, headers=HX).get_data(as_text=True)
        return set(re.findall(r'href="/projects/\d+">([^<]+)</a>', html))

    assert names("BISPEHAVEN") == {"Helhedsplan Bispehaven"}
    form = _form(
        {
            "name": "Renovering  Østervang",
            "address": "Nørrevej 12",
            "client_id": project.client_id,
            "version": "1",
        }
    )
    assert client.post(f"/projects/{project.id}/edit", data=form).status_code == 303
    assert names("bispehaven") == set()
    assert names("ØSTERVANG") == {"Renovering  Østervang"}
    assert names("renovering østervang") == {"Renovering  Østervang"}  # spaces folded
    assert names("nørrevej 12") == {"Renovering  Østervang"}
    assert names("østervang nørrevej") == set()  # not across the name and the address
    assert names("vej") == {"Renovering  Østervang", "Skolebyggeri"}


def test_list_is_paginated(app, client, make, coordinator):
    client_org = make.association()
    for i in range(app.config["PAGE_SIZE"] + 3):
        db.session.add(Project(name=f"Sag {i:03d}", client=client_org))
    db.session.commit()
    html = client.get("/projects/").get_data(as_text=True)
    assert "Side 1 af 2" in html
    assert "Sag 000" in html and "Sag 052" not in html
    html = client.get("/projects/?page=2").get_data(as_text=True)
    assert "Sag 052" in html


def test_past_the_count_cap_the_list_says_more_than(app, client, make, coordinator, monkeypatch):
    """The matches are counted to the search cap (or the end of the page asked for): past it
    the list says "more than", in name order, with the pages going on."""
    monkeypatch.setitem(app.config, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    association = make.association()
    for name in ("Egeparken", "Askeparken", "Birkeparken", "Elmeparken", "Bøgeparken"):
        make.project(association, name, Phase.EXECUTION)
    make.project(association, "Lindeparken", Phase.TENDER)

    def listed(page: int) -> tuple[str, list[str]]:
        query = {"phase": "execution", "q": "PARKEN", "page": page}
        html = client.get("/projects/", query_string=query, headers=HX).get_data(as_text=True)
        count = re.search(r'result-count">([^<]*)<', html).group(1)
        return count, re.findall(r'href="/projects/\d+">([^<]+)</a>', html)

    assert listed(1) == ("Flere end 3 byggesager", ["Askeparken", "Birkeparken"])
    assert listed(2) == ("Flere end 4 byggesager", ["Bøgeparken", "Egeparken"])
    assert listed(3) == ("5 byggesager", ["Elmeparken"])
    assert listed(7) == ("5 byggesager", [])


def test_create_a_project_without_javascript(client, make, coordinator):
    assoc = make.association(areas=["Gellerupparken", "Toveshøj"])
    form = _form({"client_id": str(assoc.id), "area_ids": [str(a.id) for a in assoc.areas]})
    response = client.post("/projects/new", data=form)
    assert response.status_code == 303
    project = db.session.scalar(select(Project).where(Project.name == "Nyt byggeri"))
    assert response.headers["Location"] == f"/projects/{project.id}"
    assert {a.name for a in project.areas} == {"Gellerupparken", "Toveshøj"}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Byggesagen “Nyt byggeri” er oprettet." in html


def test_create_with_htmx_redirects_on_the_client(client, make, coordinator):
    assoc = make.association()
    response = client.post("/projects/new", data=_form({"client_id": assoc.id}), headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/projects/")


def test_new_project_form_fragment(client, coordinator):
    html = client.get("/projects/new", headers=HX).get_data(as_text=True)
    assert "<html" not in html
    assert 'id="project-form-card"' in html


def test_invalid_project_answers_422_with_danish_messages_beside_the_fields(
    client, make, coordinator
):
    other = make.association("Anden forening", areas=["Bispehaven"])
    assoc = make.association()
    form = _form(
        {
            "name": "",
            "client_id": str(assoc.id),
            "area_ids": [str(other.areas[0].id)],
            "phase": "execution",
            "execution_start": "2027-05-01",
            "execution_end": "2027-01-01",
        }
    )
    response = client.post("/projects/new", data=form, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "Giv byggesagen et navn." in html
    assert "Slutdatoen kan ikke ligge før startdatoen." in html
    assert "Bispehaven" in html and "hører til en anden boligforening" in html
    assert "Angiv hovedentreprenøren" in html
    assert 'aria-describedby="name-error"' in html
    assert db.session.scalar(select(Project)) is None


def test_a_broken_date_is_refused_not_a_500(client, make, coordinator):
    assoc = make.association()
    form = _form({"client_id": assoc.id, "execution_start": "2027-13-45"})
    response = client.post("/projects/new", data=form)
    assert response.status_code == 422
    assert "Ikke en gyldig dato." in response.get_data(as_text=True)


def test_tender_projects_have_no_contractor(client, make, coordinator):
    assoc, firm = make.association(), make.company()
    form = _form({"client_id": assoc.id, "main_contractor_id": firm.id})
    response = client.post("/projects/new", data=form)
    assert response.status_code == 422
    assert "En byggesag i udbud har endnu ingen entreprenør." in response.get_data(as_text=True)


def test_detail_page_and_fragment(client, make, coordinator):
    firm, sub = make.company("Nordbyg A/S"), make.company("Jysk Murer ApS")
    project = make.project(name="Bispehaven", phase=Phase.AWARDED, main=firm, subs=[sub])
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<html" in html and "Nordbyg A/S" in html and "Jysk Murer ApS" in html
    fragment = client.get(f"/projects/{project.id}", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="project-details"' in fragment


def test_inline_edit_saves_and_returns_the_details(client, make, coordinator):
    firm, sub, new_main = make.company(), make.company(), make.company()
    project = make.project(phase=Phase.AWARDED, main=firm, subs=[sub])
    edit = client.get(f"/projects/{project.id}/edit", headers=HX).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in edit
    # The new main contractor replaces the old one, who stays on as a subcontractor.
    form = _form(
        {
            "name": "Omdøbt sag",
            "client_id": project.client_id,
            "phase": "execution",
            "execution_start": "2027-01-04",
            "execution_end": "2028-06-30",
            "main_contractor_id": new_main.id,
            "subcontractor_ids": [str(firm.id)],
            "version": "1",
        }
    )
    response = client.post(f"/projects/{project.id}/edit", data=form, headers=HX)
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers  # nothing listens for an event
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Omdøbt sag" in html
    assert "Byggesagen er gemt." in html  # the flash travels out of band
    db.session.expire_all()
    roles = dict(
        db.session.execute(
            select(ProjectCompany.company_id, ProjectCompany.role).where(
                ProjectCompany.project_id == project.id
            )
        ).all()
    )
    assert roles == {new_main.id: CompanyRole.MAIN, firm.id: CompanyRole.SUB}
    assert db.session.get(Project, project.id).execution_start == date(2027, 1, 4)


def test_a_stale_edit_is_refused_and_keeps_the_users_text(client, make, coordinator):
    project = make.project(name="Original")
    base = {"client_id": project.client_id, "version": "1"}
    first = client.post(f"/projects/{project.id}/edit", data=_form({**base, "name": "Første"}))
    assert first.status_code == 303
    second = client.post(f"/projects/{project.id}/edit", data=_form({**base, "name": "Anden"}))
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "En anden har gemt denne byggesag, mens du redigerede." in html
    assert 'value="Anden"' in html  # the second user's text is still in the form
    assert 'name="version" type="hidden" value="2"' in html
    db.session.expire_all()
    assert db.session.get(Project, project.id).name == "Første"


def test_main_contractor_cannot_also_be_subcontractor(client, make, coordinator):
    firm = make.company()
    project = make.project()
    form = _form(
        {
            "client_id": project.client_id,
            "phase": "awarded",
            "main_contractor_id": firm.id,
            "subcontractor_ids": [str(firm.id)],
            "version": "1",
        }
    )
    response = client.post(f"/projects/{project.id}/edit", data=form)
    assert response.status_code == 422
    assert "kan ikke også være underentreprenør" in response.get_data(as_text=True)


def test_missing_project_is_404(client, coordinator):
    assert client.get("/projects/424242").status_code == 404
    assert client.get("/projects/424242/edit").status_code == 404


def test_area_options_follow_the_chosen_association(client, make, coordinator):
    vestbo = make.association("Vestbo", areas=["Gellerupparken", "Toveshøj"])
    make.association("Østbo", areas=["Skovgårdsparken"])
    html = client.get(
        "/projects/area-options", query_string={"client_id": vestbo.id}, headers=HX
    ).get_data(as_text=True)
    assert "<html" not in html and 'id="area-options"' in html
    assert "Gellerupparken" in html and "Toveshøj" in html
    assert "Skovgårdsparken" not in html
    everything = client.get("/projects/area-options", headers=HX).get_data(as_text=True)
    assert "Østbo: Skovgårdsparken" in everything


def test_area_options_are_staff_only(client, make, login):
    login(make.user(Role.CLIENT))
    assert client.get("/projects/area-options").status_code == 403
