"""English dates in a real English format, the start page without JavaScript, the housing
areas without JavaScript, and the error summary after a failed submit (server side)."""

from datetime import date

from app.models import Phase, Role


def test_english_dates_are_british_english_and_danish_stay_danish(client, make, login):
    login(make.user(Role.COORDINATOR))
    project = make.project(
        phase=Phase.EXECUTION, execution_start=date(2026, 12, 1), execution_end=date(2028, 5, 31)
    )
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "1. december 2026" in html
    client.post("/language", data={"lang": "en", "next": "/"})
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "1 December 2026" in html and "31 May 2028" in html
    assert "1. December" not in html and "December 1, 2026" not in html


def test_english_formats_from_the_filters(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        text = render_template_string(
            "{{ d|date('full') }} | {{ d|date('short') }} | {{ d|date }}", d=date(2026, 12, 1)
        )
    assert text == "Tuesday, 1 December 2026 | 1 Dec 2026 | 1 Dec 2026"


def test_the_start_page_renders_its_sections_when_scripts_are_off(client, make, login):
    login(make.user(Role.COORDINATOR))
    make.project(phase=Phase.EXECUTION, name="Blok Syd")
    html = client.get("/").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "js=off" in html  # inside <noscript>
    assert 'hx-trigger="load"' in html
    html = client.get("/?js=off").get_data(as_text=True)
    assert 'hx-trigger="load"' not in html and "Henter" not in html
    assert 'id="active-projects"' in html and "Blok Syd" in html
    assert 'http-equiv="refresh"' not in html


def test_the_housing_areas_follow_the_association_with_a_button(client, make, login):
    login(make.user(Role.COORDINATOR))
    vestbo = make.association("Vestbo", areas=("Vestparken",))
    make.association("Andet", areas=("Østparken",))
    html = client.get("/projects/new").get_data(as_text=True)
    assert 'name="show_areas"' in html
    response = client.post("/projects/new", data={"client_id": vestbo.id, "show_areas": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vestparken" in html and "Østparken" not in html
    assert "error-summary" not in html  # nothing was submitted yet


def test_a_failed_submit_lists_every_error_as_a_link_at_the_top(client, make, login):
    login(make.user(Role.COORDINATOR))
    response = client.post("/projects/new", data={"name": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[
        html.index('id="error-summary"') : html.index("</div>", html.index("error-summary"))
    ]
    assert "Der er et problem" in summary and "autofocus" in html
    assert '<a href="#name">Giv byggesagen et navn.</a>' in summary
    assert '<a href="#client_id">' in summary
    assert html.index("error-summary") < html.index('id="name"')
    assert html.count("<h1") == 1
