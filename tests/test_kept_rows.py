"""The project list's rows are rendered once per worker and kept by everything they show
(`app.templating.kept_rows`): a changed project shows at once, each language and application
root gets its own row, and what a role may not see never comes out of the kept rows."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.extensions import db
from app.models import CompanyRole, Phase, ProjectCompany, Role
from app.templating import kept_rows

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def no_rows_kept():
    """Earlier tests in this process kept rows of their own: start from none."""
    kept_rows.clear()
    yield
    kept_rows.clear()


def rows(client, root: str = "", **params) -> list[str]:
    """The list's rows as the page shows them, each row's HTML."""
    answer = client.get(
        "/projects/", query_string=params, headers=HX, base_url=f"http://localhost{root}/"
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    return re.findall(r"<tr>\s*<td><a href=.*?</tr>", html, flags=re.S)


def test_rows_are_rendered_once_and_a_changed_project_shows_at_once(client, make, coordinator):
    client_org = make.association("Vestbo")
    builder = make.company("Nordbyg A/S")
    tove = make.project(client_org, "Toveshøj", Phase.TENDER)
    make.project(client_org, "Bispehaven", Phase.AWARDED, main=builder)

    first = rows(client)
    assert len(first) == 2 and len(kept_rows) == 2
    assert rows(client) == first and len(kept_rows) == 2  # shown again from the kept rows
    toveshoej = next(row for row in first if "Toveshøj" in row)
    assert "Udbud" in toveshoej and "Nordbyg" not in toveshoej

    # Every value the row shows, changed where no page saw it: the row follows each.
    tove.rename("Toveshøj, blok 3", "Gudrunsvej 40")
    tove.phase = Phase.EXECUTION
    tove.execution_start, tove.execution_end = date(2026, 3, 2), date(2027, 6, 30)
    tove.companies.append(ProjectCompany(company=builder, role=CompanyRole.MAIN))
    client_org.name = "Vestbo Boliger"
    db.session.commit()
    changed = next(row for row in rows(client) if "Toveshøj" in row)
    assert "Toveshøj, blok 3" in changed and "Gudrunsvej 40" in changed
    assert "Udførelse" in changed and "Udbud" not in changed
    assert "02.03.2026 – 30.06.2027" in changed
    assert "Vestbo Boliger" in changed and "Nordbyg A/S" in changed
    assert all("Vestbo Boliger" in row for row in rows(client))  # the other row's client too


def test_each_language_gets_its_own_rows(client, make, coordinator):
    make.project(make.association("Vestbo"), "Toveshøj", Phase.EXECUTION)
    danish = rows(client)
    assert "Udførelse" in danish[0]
    client.post("/language", data={"lang": "en", "next": "/"})
    english = rows(client)
    assert "Execution" in english[0] and "Udførelse" not in english[0]
    client.post("/language", data={"lang": "da", "next": "/"})
    assert rows(client) == danish


def test_the_rows_link_under_the_application_root_they_were_asked_under(client, make, coordinator):
    project = make.project(make.association("Vestbo"), "Toveshøj")
    for root in ("", "/intranet", "/byg-op", ""):
        (row,) = rows(client, root)
        assert f'href="{root}/projects/{project.id}"' in row
    assert len(kept_rows) == 3


def test_kept_rows_show_no_role_a_project_it_may_not_see(client, make, login):
    """Staff see every project first and fill the kept rows; a client association then sees
    its own projects only, and a contractor those it works on."""
    vestbo, oestbo = make.association("Vestbo"), make.association("Østbo")
    builder = make.company("Nordbyg A/S")
    make.project(vestbo, "Toveshøj", Phase.AWARDED, main=builder)
    make.project(oestbo, "Skovgårdsparken", Phase.TENDER)
    make.project(oestbo, "Bispehaven", Phase.AWARDED, main=make.company("Sydbyg ApS"))

    def names(user) -> set[str]:
        login(user)
        return {re.search(r'">([^<]+)</a>', row).group(1) for row in rows(client)}

    assert names(make.user(Role.COORDINATOR)) == {"Toveshøj", "Skovgårdsparken", "Bispehaven"}
    assert len(kept_rows) == 3
    assert names(make.user(Role.CLIENT, vestbo)) == {"Toveshøj"}
    assert names(make.user(Role.CLIENT, oestbo)) == {"Skovgårdsparken", "Bispehaven"}
    assert names(make.user(Role.CONTRACTOR, builder)) == {"Toveshøj"}


def test_a_kept_row_is_escaped_like_any_other(client, make, coordinator):
    """The kept rows are joined as markup: what a user typed into a project is escaped once,
    in the row, whether the row was rendered now or kept from before."""
    make.project(make.association("<i>Vestbo</i>"), "<script>alert(1)</script>", address="a & b")
    for _ in range(2):  # rendered, then kept
        (row,) = rows(client)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row and "<script>" not in row
        assert "&lt;i&gt;Vestbo&lt;/i&gt;" in row and "a &amp; b" in row
