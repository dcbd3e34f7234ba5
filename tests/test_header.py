"""The header's links, kept per worker once drawn (`kept` in app/templating.py): each page
still shows the links of its reader's role, organisation, language, page and inbox count, and
the sign-out form carries the reader's own CSRF token. The templates' URLs named only by ids
(`kept_urls`) follow the application root and keep nothing a person typed."""

import re
from datetime import timedelta

from flask import g

from app.auth.sessions import mark_signed_in
from app.enums import Phase, Role
from app.extensions import db
from app.meetings.models import Meeting
from app.models import utcnow
from app.templating import KeptFragments, kept_fragments, kept_urls
from tests.pages import nav_count


def menu(html: str) -> str:
    """The wide screen's header links (the phone menu repeats them)."""
    found = re.search(
        r'<ul class="nav-links nav-wide">(.*?)</ul>\s*<details class="nav-menu">', html, re.S
    )
    assert found, "no header links"
    return found.group(1)


def current_link(html: str) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)</a>', menu(html))


def sign_out_token(html: str) -> str:
    form = re.search(r'action="/auth/logout".*?name="csrf_token" value="([^"]+)"', menu(html), re.S)
    assert form, "no sign-out form"
    return form.group(1)


def test_kept_fragments_run_the_body_once_per_key_and_keep_at_most_maxsize():
    kept = KeptFragments(maxsize=2)
    calls = []

    def body(text):
        def caller():
            calls.append(text)
            return text

        return caller

    assert kept("a", 1, caller=body("<b>one</b>")) == "<b>one</b>"
    assert kept("a", 1, caller=body("changed")) == "<b>one</b>"  # a hit: the body does not run
    assert kept("a", 2, caller=body("two")) == "two"
    assert calls == ["<b>one</b>", "two"]
    kept("a", 3, caller=body("three"))  # the least recently used ("a", 1) goes
    assert len(kept) == 2
    assert kept("a", 1, caller=body("again")) == "again"
    assert calls[-1] == "again"


def test_each_role_sees_its_own_links_whoever_was_drawn_before(client, make, login):
    association = make.association("Boligforeningen Vestbo")
    coordinator = make.user(Role.COORDINATOR, name="Karen Koordinator", email="k@bygop.dk")
    client_user = make.user(Role.CLIENT, association, name="Bo Bygherre", email="bo@vestbo.dk")
    admin = make.user(Role.ADMIN, name="Ada Admin", email="ada@bygop.dk")

    for user, staff, admin_links in ((coordinator, True, False), (client_user, False, False),
                                     (admin, True, True), (client_user, False, False)):  # fmt: skip
        login(user)
        html = client.get("/projects/").get_data(as_text=True)
        links = menu(html)
        assert ("/candidates/" in links) is staff, user.role
        assert ("/audit" in links) is staff, user.role
        assert ("/admin/users" in links) is admin_links, user.role
        assert ("Boligforeningen Vestbo" in links) is (user is client_user)
        assert current_link(html) == ["Byggesager"]


def test_the_current_page_and_the_language_follow_the_request(client, coordinator):
    assert current_link(client.get("/projects/").get_data(as_text=True)) == ["Byggesager"]
    assert current_link(client.get("/reports/").get_data(as_text=True)) == ["Rapporter"]
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = client.get("/reports/").get_data(as_text=True)
    assert current_link(html) == ["Reports"]
    assert "Sign out" in menu(html) and "Log ud" not in menu(html)
    assert current_link(client.get("/").get_data(as_text=True)) == ["Home"]


def test_a_renamed_organisation_shows_in_the_menu_at_once(client, make, login):
    association = make.association("Boligforeningen Vestbo")
    login(make.user(Role.CLIENT, association, name="Bo Bygherre", email="bo@vestbo.dk"))
    assert "Boligforeningen Vestbo" in menu(client.get("/projects/").get_data(as_text=True))
    association.name = "Vestbo Boliger"
    db.session.commit()
    links = menu(client.get("/projects/").get_data(as_text=True))
    assert "Vestbo Boliger" in links and "Boligforeningen Vestbo" not in links


def test_the_sign_out_form_carries_each_sessions_own_token(app, make, login, client, monkeypatch):
    """Two coordinators share the kept links; each page's sign-out form signs its own
    reader out, and no token is kept."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    first = make.user(Role.COORDINATOR, name="Karen Koordinator", email="k@bygop.dk")
    second = make.user(Role.COORDINATOR, name="Kim Koordinator", email="kim@bygop.dk")
    other = app.test_client()
    login(first)
    with other.session_transaction() as session:
        session["_user_id"] = second.get_id()
        session["_fresh"] = True
        mark_signed_in(session)
    first_token = sign_out_token(client.get("/projects/").get_data(as_text=True))
    # The tests' application context is shared by every request, and Flask-WTF keeps the
    # token it made in `g`; in a server each request has a context of its own.
    g.pop("csrf_token", None)
    second_token = sign_out_token(other.get("/projects/").get_data(as_text=True))
    assert first_token != second_token
    for piece in kept_fragments._kept.entries.values():
        assert first_token not in piece and second_token not in piece
        assert 'name="csrf_token"' not in piece
    # The first session's token does not sign the second out; its own does.
    g.pop("csrf_token", None)
    refused = other.post("/auth/logout", data={"csrf_token": first_token})
    assert refused.status_code == 400
    assert other.get("/projects/").status_code == 200
    g.pop("csrf_token", None)
    assert other.post("/auth/logout", data={"csrf_token": second_token}).status_code in (302, 303)
    assert other.get("/projects/").status_code in (302, 303)  # signed out: to the sign-in page
    assert client.get("/projects/").status_code == 200  # the first still signed in


def test_the_inbox_count_in_the_header_follows_what_waits(client, make, login):
    """The count is part of the kept links' key: a meeting newly planned shows on the next
    page, and the count goes when it is cancelled."""
    association = make.association("Boligforeningen Vestbo")
    login(make.user(Role.CLIENT, association, name="Bo Bygherre", email="bo@vestbo.dk"))
    project = make.project(association, "Helhedsplan Vest", Phase.EXECUTION)
    assert nav_count(client.get("/projects/").get_data(as_text=True)) == "Venter på dig"
    coming = Meeting(project_id=project.id, kind="monthly", starts_at=utcnow() + timedelta(days=3))
    db.session.add(coming)
    db.session.commit()
    assert nav_count(client.get("/projects/").get_data(as_text=True)) == "Venter på dig (1)"
    coming.cancelled = True
    db.session.commit()
    assert nav_count(client.get("/projects/").get_data(as_text=True)) == "Venter på dig"


def test_kept_urls_follow_the_application_root_and_keep_nothing_typed(
    app, client, coordinator, make, monkeypatch
):
    """The templates' URLs named by ids only are kept per worker, by the application root:
    the same page under another root links under that root, and a searched name is never
    kept (a search's links are built each time)."""
    project = make.project(name="Toveshøj", phase=Phase.EXECUTION)
    candidate = make.candidate("Mette", "Kristensen")
    make.candidate("Mette", "Andersen")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)  # two pages: their links carry the term

    def links(path: str, root: str = "") -> str:
        answer = client.get(path, base_url=f"http://localhost{root}/")
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    for root in ("", "/intranet", "/byg-op", ""):
        html = links(f"/projects/{project.id}/progress", root)
        assert f'href="{root}/projects/{project.id}"' in html
        assert f'href="{root}/static/css/app.css"' in html
        assert f'src="{root}/static/vendor/htmx.min.js"' in html
        other = "/intranet" if root != "/intranet" else "/byg-op"
        assert f'"{other}/' not in html
    html = links("/candidates/?q=mette&page=2")
    assert f'href="/candidates/{candidate.id}"' in html
    assert "q=mette" in html  # the other page's link, built with the term
    kept = kept_urls._kept.entries
    assert kept, "no URL was kept"
    assert not any("mette" in str(key).lower() or "mette" in url for key, url in kept.items())
