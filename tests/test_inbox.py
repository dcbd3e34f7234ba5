"""The inbox ("Venter på dig"): what waits for each role, strictly in scope, in a fixed number
of statements whatever the data's size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agreements import pending
from app.agreements.models import AgreementVersion
from app.clock import local_today
from app.core import inbox
from app.extensions import db
from app.meetings.models import ActionItem, KickoffQuestion, Meeting
from app.models import Organisation, Phase, Project, Role, User, utcnow
from app.openings.models import Opening
from app.reports.models import ReportNarrative
from tests.factories import add_candidate, add_placement
from tests.pages import nav_count
from tests.querycount import measure

TODAY = local_today()


def version(project, author, number, approved=False, note=""):
    v = AgreementVersion(
        project_id=project.id,
        number=number,
        content={"values": {}},
        text="",
        note=note,
        apprenticeships_min=1,
        courses_min=2,
        count_rule="started",
        ladder={},
        author_id=author.id,
        approved_at=utcnow() if approved else None,
        approved_by_id=author.id if approved else None,
    )
    db.session.add(v)
    db.session.flush()
    pending.refresh(db.session, [project.id])  # a row written outside save_version()
    return v


def meeting(project, days, kind="monthly", **kw):
    m = Meeting(project_id=project.id, kind=kind, starts_at=utcnow() + timedelta(days=days), **kw)
    db.session.add(m)
    return m


def question(project, asker, text, answered_days_ago=None, **kw):
    q = KickoffQuestion(
        project_id=project.id,
        position=kw.pop("position", 10),
        question=text,
        asked_by_id=asker.id if asker else None,
        **kw,
    )
    if answered_days_ago is not None:
        q.answer = "Svar"
        q.answered_at = utcnow() - timedelta(days=answered_days_ago)
    db.session.add(q)
    return q


def item(project, text, owner, due_in=None, meeting_id=None, done=False):
    a = ActionItem(
        project_id=project.id,
        text=text,
        owner=owner,
        meeting_id=meeting_id,
        due_on=TODAY + timedelta(days=due_in) if due_in is not None else None,
        done_at=utcnow() if done else None,
    )
    db.session.add(a)
    return a


def opening(project, company, reporter, status="open", trade=""):
    o = Opening(
        project_id=project.id,
        company_id=company.id,
        function="site_labourer",
        trade=trade,
        expected_start=TODAY + timedelta(days=10),
        rung="internship",
        status=status,
        reported_by_id=reporter.id,
    )
    db.session.add(o)
    return o


def placement(first, last, assoc, project, company, ends_in, started_days_ago=100):
    person = add_candidate(first, last, assoc)
    p = add_placement(
        person, project, company, "wage_subsidy", TODAY - timedelta(days=started_days_ago)
    )
    p.planned_end = TODAY + timedelta(days=ends_in)
    db.session.commit()
    return p


class World:
    """Two associations (A, B), each with a running project; company M (main) and S (sub) on
    A's, company X on B's; one user per role and side."""

    def __init__(self, make):
        self.a = make.association("Boligforeningen Alfa")
        self.b = make.association("Boligforeningen Beta")
        self.m = make.company("Murer Mortensen A/S")
        self.s = make.company("Smed Sørensen ApS")
        self.x = make.company("Xylo Byg A/S")
        self.pa = make.project(
            self.a, "Helhedsplan Alfa", Phase.EXECUTION, main=self.m, subs=[self.s]
        )
        self.pb = make.project(self.b, "Renovering Beta", Phase.EXECUTION, main=self.x)
        self.coordinator = make.user(Role.COORDINATOR, name="Karen Koordinator")
        self.admin = make.user(Role.ADMIN, name="Ada Admin")
        self.client_a = make.user(Role.CLIENT, self.a, name="Alma Bygherre")
        self.client_b = make.user(Role.CLIENT, self.b, name="Bent Bygherre")
        self.contractor_m = make.user(Role.CONTRACTOR, self.m, name="Mona Murer")
        self.contractor_s = make.user(Role.CONTRACTOR, self.s, name="Sune Smed")
        self.contractor_x = make.user(Role.CONTRACTOR, self.x, name="Xenia Xylo")
        pa, pb, c = self.pa, self.pb, self.coordinator

        version(pa, c, 1, approved=True)
        version(pa, c, 2, note="Nye mål")  # waits for Alfa's approval
        version(pb, c, 1)  # waits for Beta's approval

        self.soon = meeting(pa, 3, place="Skurvognen")
        meeting(pa, 20)  # beyond the window
        meeting(pa, 2, cancelled=True)
        meeting(pb, 5, kind="kickoff")
        meeting(pa, -30)  # in the past
        held_a = meeting(pa, -5, minutes_final_at=utcnow() - timedelta(days=2))
        meeting(pb, -5, minutes_final_at=utcnow() - timedelta(days=2))
        meeting(pa, -40, minutes_final_at=utcnow() - timedelta(days=30))  # not new any more
        db.session.add(ReportNarrative(project_id=pa.id, text="Det går godt.", updated_by_id=c.id))
        db.session.add(ReportNarrative(project_id=pb.id, text="", updated_by_id=c.id))
        db.session.flush()

        question(pa, self.contractor_m, "Hvem er vores kontaktperson?", answered_days_ago=2)
        question(pa, self.contractor_m, "Gammelt spørgsmål", answered_days_ago=30)
        question(pa, self.contractor_m, "Hvornår starter den første praktikant?")
        question(pa, self.contractor_s, "Må vi tage en lærling?", answered_days_ago=1)
        question(pb, self.contractor_x, "Hvad med Beta-spørgsmålet?")
        question(pa, c, "Koordinatorens eget spørgsmål")  # not a contractor's
        question(pa, None, "Standardspørgsmål", template_key="target_group")

        item(pa, "Send oversigt over lærlinge", "Mona Murer", due_in=5, meeting_id=held_a.id)
        item(pa, "Afklare læreplads", "murer mortensen a/s", due_in=-1, meeting_id=held_a.id)
        item(pa, "Bestille skurvogn", "Smed Sørensen ApS", due_in=-2)
        item(pa, "Allerede gjort", "Mona Murer", due_in=-3, done=True)
        item(pb, "Beta-opgave", "Xylo Byg A/S", due_in=-1)

        opening(pa, self.m, self.contractor_m, trade="murer")
        opening(pa, self.m, self.contractor_m, status="matched")
        opening(pa, self.s, self.contractor_s)
        opening(pb, self.x, self.contractor_x)
        db.session.commit()

        # Ahmed works for M and waits for a retention conversation; Sara for S; Xavier for X.
        placement("Ahmed", "Hassan", self.a, pa, self.m, ends_in=7)
        placement("Sara", "Jensen", self.a, pa, self.s, ends_in=5)
        placement("Xavier", "Olsen", self.b, pb, self.x, ends_in=3)
        placement("Lang", "Tid", self.a, pa, self.m, ends_in=60)  # ends beyond the window
        self.side_ids = [
            (pa.id, self.m.id, self.contractor_m.id),
            (pb.id, self.x.id, self.contractor_x.id),
        ]


@pytest.fixture
def world(make) -> World:
    return World(make)


def waiting(user) -> inbox.Inbox:
    return inbox.inbox(db.session, inbox.Reader.of(user), TODAY, utcnow())


def names(box: inbox.Inbox) -> dict[str, int]:
    return {kind.name: kind.count for kind in box.kinds}


def texts(box: inbox.Inbox, kind: str) -> list[str]:
    found = box.kind(kind)
    return [f"{i.project}|{i.ref}|{i.text}" for i in found.items] if found else []


def test_a_client_sees_its_own_associations_approvals_meetings_and_reports(world):
    box = waiting(world.client_a)
    assert names(box) == {"approvals": 1, "comment_answers": 0, "meetings": 1, "reports": 2}
    assert texts(box, "approvals") == ["Helhedsplan Alfa|2|Nye mål"]
    assert [i.ref for i in box.kind("meetings").items] == [world.soon.id]
    assert {i.sub for i in box.kind("reports").items} == {"minutes", "report"}
    assert {i.project for k in box.kinds for i in k.items} == {"Helhedsplan Alfa"}
    assert box.total == 4

    other = waiting(world.client_b)
    assert names(other) == {"approvals": 1, "comment_answers": 0, "meetings": 1, "reports": 1}
    assert {i.project for k in other.kinds for i in k.items} == {"Renovering Beta"}
    assert other.kind("meetings").items[0].sub == "kickoff"


def test_a_contractor_sees_only_its_own_and_its_companys_items(world):
    box = waiting(world.contractor_m)
    assert names(box) == {"answers": 1, "meetings": 1, "actions": 2, "openings": 1, "ending": 1}
    assert [i.text for i in box.kind("answers").items] == ["Hvem er vores kontaktperson?"]
    # The action items named for the user or the company (compared without case), soonest due
    # last when undated; not the subcontractor's, not a done one.
    assert [i.text for i in box.kind("actions").items] == [
        "Afklare læreplads",
        "Send oversigt over lærlinge",
    ]
    assert [i.detail for i in box.kind("openings").items] == ["Murer Mortensen A/S"]
    # Initials only, and only the company's own person ending within the window.
    assert [i.text for i in box.kind("ending").items] == ["A.H."]
    assert {i.project for k in box.kinds for i in k.items} == {"Helhedsplan Alfa"}

    sub = waiting(world.contractor_s)
    assert names(sub) == {"answers": 1, "meetings": 1, "actions": 1, "openings": 1, "ending": 1}
    assert [i.text for i in sub.kind("ending").items] == ["S.J."]

    other = waiting(world.contractor_x)
    assert names(other) == {"answers": 0, "meetings": 1, "actions": 1, "openings": 1, "ending": 1}
    assert {i.project for k in other.kinds for i in k.items} == {"Renovering Beta"}


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_staff_see_the_portfolios_work(world, who):
    box = waiting(getattr(world, who))
    assert names(box) == {
        "questions": 2,
        "openings": 3,
        "retention": 4,
        "overdue": 3,
        "approvals": 2,
    }
    assert [i.text for i in box.kind("questions").items] == [
        "Hvornår starter den første praktikant?",
        "Hvad med Beta-spørgsmålet?",
    ]
    # The start page lists the retention conversations due and the openings to match in its
    # own sections: the inbox counts them and reads none of their items (no resident's name).
    assert box.kind("retention").items == () and box.kind("openings").items == ()
    assert [i.text for i in box.kind("overdue").items] == [
        "Bestille skurvogn",
        "Afklare læreplads",
        "Beta-opgave",
    ]


def test_the_count_is_the_sum_of_the_kinds(world):
    for user in (world.client_a, world.contractor_m, world.coordinator, world.client_b):
        assert (
            inbox.total(db.session, inbox.Reader.of(user), TODAY, utcnow()) == waiting(user).total
        )


def test_a_kind_shows_its_first_items_and_counts_them_all(world, make):
    for n in range(7):
        question(world.pb, world.contractor_x, f"Spørgsmål {n}")
    db.session.commit()
    box = inbox.inbox(db.session, inbox.Reader.of(world.coordinator), TODAY, utcnow(), limit=3)
    questions = box.kind("questions")
    assert questions.count == 9 and len(questions.items) == 3 and questions.more == 6
    # The longest-waiting first.
    assert questions.items[0].text == "Hvornår starter den første praktikant?"


def test_a_user_without_an_organisation_has_an_empty_inbox(make):
    client = make.user(Role.CLIENT, None)
    client.organisation_id = None
    db.session.commit()
    assert waiting(client).kinds == ()
    assert inbox.total(db.session, inbox.Reader.of(client), TODAY, utcnow()) == 0


# --- the pages ------------------------------------------------------------------------------


def test_the_client_start_page_shows_its_inbox_and_the_nav_count(client, login, world):
    login(world.client_a)
    html = client.get("/").get_data(as_text=True)
    assert 'id="inbox"' in html
    assert "Versioner der venter på din godkendelse" in html
    assert f"/projects/{world.pa.id}/agreement/v2" in html
    assert "Renovering Beta" not in html and "Ahmed" not in html
    assert nav_count(html) == "Venter på dig (4)"
    # Another page: the same count in the navigation.
    assert nav_count(client.get("/projects/").get_data(as_text=True)) == "Venter på dig (4)"


def test_the_contractor_start_page_links_to_where_things_are_handled(client, login, world):
    login(world.contractor_m)
    html = client.get("/").get_data(as_text=True)
    assert f"/projects/{world.pa.id}/kickoff#question-" in html
    assert f"/projects/{world.pa.id}/openings" in html
    assert f"/projects/{world.pa.id}/progress" in html
    assert "A.H." in html and "Ahmed" not in html and "Hassan" not in html
    assert "Sara" not in html and "S.J." not in html and "Beta" not in html
    assert nav_count(html) == "Venter på dig (6)"


def test_the_coordinator_start_page_points_to_its_sections_and_is_not_stored(client, login, world):
    """Staff find the residents due a conversation and the unmatched openings listed in full
    in the start page's sections below, so the inbox counts them and points there (no names
    on the page itself). The page is never stored: questions and action items are free text."""
    login(world.coordinator)
    response = client.get("/")
    html = response.get_data(as_text=True)
    inbox_html = html[html.index('<section id="inbox"') : html.index("</section>")]
    assert 'href="#retention-due"' in inbox_html and 'href="#open-openings"' in inbox_html
    assert "Ahmed" not in html
    assert "Ubesvarede spørgsmål fra entreprenører" in inbox_html
    assert "Hvornår starter den første praktikant?" in inbox_html
    assert response.headers["Cache-Control"] == "no-store"
    assert nav_count(html) == "Venter på dig (14)"


def test_the_inbox_speaks_english_too(client, login, world):
    login(world.client_a)
    client.post("/language", data={"lang": "en"})
    html = client.get("/").get_data(as_text=True)
    assert "Versions waiting for your approval" in html
    assert nav_count(html) == "Waiting for you (4)"


def test_nothing_waiting_says_so_and_shows_no_badge(client, login, make):
    login(make.user(Role.CLIENT))
    html = client.get("/").get_data(as_text=True)
    assert "Intet venter på dig lige nu." in html
    assert nav_count(html) == "Venter på dig"


def test_anonymous_users_get_no_inbox(client, world):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "inbox-link" not in client.get("/login").get_data(as_text=True)


# --- statements, whatever the size ----------------------------------------------------------


def grow(world: World, make, n: int) -> None:
    """n more of everything on both sides."""
    get = db.session.get
    sides = [(get(Project, p), get(Organisation, c), get(User, u)) for p, c, u in world.side_ids]
    start = getattr(world, "grown", 0)
    for i in range(start, start + n):
        for project, company, contractor in sides:
            meeting(project, 1 + i % 10)
            question(project, contractor, f"Spørgsmål {i}")
            question(project, contractor, f"Besvaret {i}", answered_days_ago=1)
            item(project, f"Opgave {i}", contractor.name, due_in=-1 - i)
            opening(project, company, contractor)
            db.session.commit()
            assoc = get(Organisation, project.client_id)
            placement(f"P{i}", "Hansen", assoc, project, company, ends_in=i % 14)
    world.grown = start + n


ROLES = ("coordinator", "admin", "client_a", "contractor_m")


@pytest.mark.parametrize("who", ROLES)
def test_the_start_page_and_the_count_cost_the_same_at_every_size(client, login, make, world, who):
    """The start page: the user, the phase counts, the inbox (which also gives the
    navigation's count): 3 statements at 5 and at 25 more of everything. Another page adds
    exactly one statement for the navigation's count."""
    user_id = getattr(world, who).id
    login(db.session.get(User, user_id))
    counts = []
    for size in (5, 20):
        grow(world, make, size)
        home, _ = measure(client, "/")
        projects, _ = measure(client, "/projects/")
        counts.append((len(home), home.badge, len(projects), projects.badge))
    assert counts[0] == counts[1], counts
    home_count, home_badge, _page, page_badge = counts[0]
    assert home_count == 3 and home_badge == 0  # the inbox gives the nav its count
    assert page_badge == 1


def test_the_count_is_not_asked_for_an_htmx_fragment_or_a_download(client, login, world):
    login(world.coordinator)
    fragment, _ = measure(client, "/dashboard/openings", headers={"HX-Request": "true"})
    assert fragment.badge == 0
    download, _ = measure(client, f"/projects/{world.pa.id}/meetings/series.ics", expect=None)
    assert download.badge == 0


def test_a_client_sees_answers_to_the_comments_they_started(client, login, world, make):
    from app.agreements import comments
    from app.agreements.models import ClauseComment

    v2 = db.session.scalars(
        select(AgreementVersion).filter_by(project_id=world.pa.id, number=2)
    ).one()

    def thread(author, body):
        comment = ClauseComment(
            project_id=world.pa.id,
            version_id=v2.id,
            clause_key="purpose",
            author_id=author.id,
            body=body,
        )
        db.session.add(comment)
        db.session.flush()
        return comment

    mine = thread(world.client_a, "Kan formålet skrives kortere?")
    theirs = thread(world.coordinator, "Koordinatorens tråd")
    comments.reply(db.session, mine, world.coordinator, "Ja, det gør vi i næste version.")
    comments.reply(db.session, mine, world.client_a, "Tak!")  # their own answer: not waiting
    comments.reply(db.session, theirs, world.client_b, "Svar i en andens tråd")
    old = comments.reply(db.session, mine, world.coordinator, "Et gammelt svar")
    db.session.flush()
    old.created_at = utcnow() - timedelta(days=30)
    db.session.commit()

    box = waiting(world.client_a)
    assert texts(box, "comment_answers") == ["Helhedsplan Alfa|2|Ja, det gør vi i næste version."]
    item = box.kind("comment_answers").items[0]
    assert (item.sub, item.detail) == ("purpose", "Karen Koordinator")
    assert box.total == 5
    # Nobody else has them: not the other association, not the coordinator, not a contractor.
    assert "comment_answers" not in names(waiting(world.coordinator))
    assert names(waiting(world.client_b))["comment_answers"] == 0
    assert "comment_answers" not in names(waiting(world.contractor_m))

    login(world.client_a)
    html = client.get("/").get_data(as_text=True)
    assert "Svar på dine kommentarer til aftalen" in html
    assert f"/projects/{world.pa.id}/agreement/v2#comments-purpose" in html
    assert nav_count(html) == "Venter på dig (5)"
