"""Who is due a retention conversation: `Placement.retention_since` stays right on every
write, and the start page's list follows it.

The day is the candidate's latest retention conversation held on or after the placement's
start, or the start without one (app/placements/retention.py). The services keep it:
`record_conversation()` and `insert()`; code that moves a conversation or a start calls
`retention.refresh()`.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.candidates.models import Conversation
from app.extensions import db
from app.models import Phase, Role
from app.placements import retention
from app.placements import service as placement_service
from app.placements.models import Placement
from tests.factories import TODAY, add_candidate, add_placement, days_ago

HX = {"HX-Request": "true"}


def expected_since(placement: Placement) -> object:
    """The definition, in Python, from the conversations in the database."""
    held = db.session.scalars(
        select(Conversation.held_on).where(
            Conversation.candidate_id == placement.candidate_id,
            Conversation.kind == "retention",
            Conversation.held_on >= placement.start_date,
        )
    ).all()
    return max(held, default=placement.start_date)


def stored_since(placement_id: int):
    return db.session.scalar(select(Placement.retention_since).where(Placement.id == placement_id))


def due_names(client) -> str:
    html = client.get("/dashboard/retention", headers=HX).get_data(as_text=True)
    return html


@pytest.fixture
def world(make, login):
    assoc = make.association("Boligforeningen Vestbo")
    main = make.company("Hovedentreprenør A/S")
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.EXECUTION, main=main)
    coordinator = login(make.user(Role.COORDINATOR))
    ahmed = add_candidate("Ahmed", "Hassan", assoc)
    running = add_placement(ahmed, project, main, "wage_subsidy", days_ago(150))
    return dict(project=project, main=main, assoc=assoc, ahmed=ahmed, running=running,
                coordinator=coordinator)  # fmt: skip


def test_a_new_placement_waits_from_its_start(world):
    assert stored_since(world["running"].id) == days_ago(150)


def test_a_retention_conversation_logged_on_the_page_takes_the_person_off_the_list(client, world):
    person = world["ahmed"]
    assert "Ahmed Hassan" in due_names(client)
    version_before = world["running"].version
    response = client.post(
        f"/candidates/{person.id}/conversations",
        headers=HX,
        data={"held_on": TODAY.isoformat(), "kind": "retention", "notes": "Går godt"},
    )
    assert response.status_code == 200
    assert stored_since(world["running"].id) == TODAY
    assert "Ahmed Hassan" not in due_names(client)
    # The placement itself was not edited: no edit conflict for whoever has it open.
    db.session.expire_all()
    assert db.session.get(Placement, world["running"].id).version == version_before


def test_other_kinds_of_conversation_do_not_count(client, world):
    person = world["ahmed"]
    client.post(
        f"/candidates/{person.id}/conversations",
        headers=HX,
        data={"held_on": TODAY.isoformat(), "kind": "employer", "notes": ""},
    )
    assert stored_since(world["running"].id) == days_ago(150)
    assert "Ahmed Hassan" in due_names(client)


def test_a_conversation_cannot_be_logged_in_the_future(client, world):
    person = world["ahmed"]
    response = client.post(
        f"/candidates/{person.id}/conversations",
        headers=HX,
        data={"held_on": (TODAY + timedelta(days=7)).isoformat(), "kind": "retention"},
    )
    assert response.status_code == 422
    assert "En samtale kan ikke være holdt i fremtiden." in response.get_data(as_text=True)
    assert db.session.scalar(select(Conversation.id)) is None
    assert "Ahmed Hassan" in due_names(client)


def test_a_conversation_before_the_start_does_not_count(world):
    placement_service.record_conversation(world["ahmed"], days_ago(200), "retention")
    db.session.commit()
    assert stored_since(world["running"].id) == days_ago(150)


def refreshed(*, candidates=(), placements=()):
    """Commit a change no page makes, refreshing as such code must."""
    db.session.flush()
    retention.refresh(db.session, candidates=candidates, placements=placements)
    db.session.commit()


def test_moving_deleting_and_re_kinding_conversations_recompute_the_day(client, world):
    person, running = world["ahmed"], world["running"]
    talk = placement_service.record_conversation(person, days_ago(3), "retention")
    db.session.commit()
    assert stored_since(running.id) == days_ago(3)
    talk.held_on = days_ago(40)
    refreshed(candidates=[person.id])
    assert stored_since(running.id) == days_ago(40)
    assert "Ahmed Hassan" in due_names(client)  # 40 days > 4 weeks
    talk.kind = "employer"
    refreshed(candidates=[person.id])
    assert stored_since(running.id) == days_ago(150)
    talk.kind = "retention"
    refreshed(candidates=[person.id])
    assert stored_since(running.id) == days_ago(40)
    db.session.delete(talk)
    refreshed(candidates=[person.id])
    assert stored_since(running.id) == days_ago(150)


def test_moving_the_start_recomputes_the_day(world):
    running = world["running"]
    placement_service.record_conversation(world["ahmed"], days_ago(100), "retention")
    db.session.commit()
    assert stored_since(running.id) == days_ago(100)
    running.start_date = days_ago(90)  # the conversation is now before the start
    refreshed(placements=[running.id])
    assert stored_since(running.id) == days_ago(90)


def test_a_rolled_back_conversation_leaves_the_day_alone(world):
    running = world["running"]
    placement_service.record_conversation(world["ahmed"], TODAY, "retention")
    assert stored_since(running.id) == TODAY
    db.session.rollback()
    assert stored_since(running.id) == days_ago(150)


def test_the_day_matches_its_definition_after_many_random_writes(world):
    """Random conversations, moves and deletions over several people and placements, each
    followed by the refresh the service (or such code) makes: the stored day always equals
    the definition computed afresh."""
    rng = random.Random(8)
    project, main, assoc = world["project"], world["main"], world["assoc"]
    people = [world["ahmed"]] + [add_candidate(f"P{i}", "Test", assoc) for i in range(3)]
    placements = [world["running"]]
    for person in people[1:]:
        placements.append(add_placement(person, project, main, "internship", days_ago(300)))
        placements.append(add_placement(person, project, main, "ordinary", days_ago(120)))
    talks: list[Conversation] = []
    for _ in range(60):
        action = rng.random()
        if action < 0.5 or not talks:
            talk = placement_service.record_conversation(
                rng.choice(people),
                days_ago(rng.randint(0, 320)),
                rng.choice(("retention", "retention", "employer", "pre_match")),
            )
            talks.append(talk)
            db.session.commit()
        elif action < 0.7:
            talk = rng.choice(talks)
            talk.held_on = days_ago(rng.randint(0, 320))
            refreshed(candidates=[talk.candidate_id])
        elif action < 0.8:
            talk = rng.choice(talks)
            talk.kind = rng.choice(("retention", "employer"))
            refreshed(candidates=[talk.candidate_id])
        elif action < 0.9:
            talk = talks.pop(rng.randrange(len(talks)))
            candidate_id = talk.candidate_id
            db.session.delete(talk)
            refreshed(candidates=[candidate_id])
        else:
            placement = rng.choice(placements)
            placement.start_date = days_ago(rng.randint(100, 320))
            refreshed(placements=[placement.id])
        for placement in placements:
            assert stored_since(placement.id) == expected_since(placement), placement


def test_the_list_is_ordered_by_waiting_and_capped(client, world, make, monkeypatch):
    from app.core import dashboard

    monkeypatch.setattr(dashboard, "SECTION_LIMIT", 3)
    project, main, assoc = world["project"], world["main"], world["assoc"]
    for i, start in enumerate((60, 300, 90, 200, 10)):
        person = add_candidate(f"Vent{start}", "Dage", assoc)
        add_placement(person, project, main, "internship", days_ago(start))
        if i == 0:  # started 60 days ago but talked to 35 days ago: waited 35 days
            placement_service.record_conversation(person, days_ago(35), "retention")
            db.session.commit()
    ended = add_candidate("Slut", "Forløb", assoc)
    add_placement(ended, project, main, "internship", days_ago(400), end=days_ago(1))
    html = due_names(client)
    shown = [name for name in ("Vent300", "Vent200", "Ahmed", "Vent90", "Vent60") if name in html]
    assert shown == ["Vent300", "Vent200", "Ahmed"]  # longest waiting first, 3 of them
    assert "Slut" not in html and "Vent10" not in html
    assert "there are more" in html or "der er flere" in html
    assert html.index("Vent300") < html.index("Vent200") < html.index("Ahmed")
