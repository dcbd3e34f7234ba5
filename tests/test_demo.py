"""The demo data: loads once, prints the sign-ins, and every role can sign in."""

import pytest
from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD, DEMO_USERS
from app.extensions import db
from app.models import Phase, Project, User


def test_demo_loads_once_and_prints_the_sign_ins(runner, ctx):
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    for email, *_ in DEMO_USERS:
        assert email in first.output
    assert DEMO_PASSWORD in first.output
    projects = db.session.scalar(select(func.count(Project.id)))
    second = runner.invoke(args=["demo", "--if-empty"])
    assert "not loaded again" in second.output
    assert db.session.scalar(select(func.count(Project.id))) == projects
    phases = set(db.session.scalars(select(Project.phase)))
    assert phases == {p.value for p in Phase}


@pytest.mark.parametrize("email, name, role, org", DEMO_USERS)
def test_every_demo_user_signs_in(app, ctx, runner, email, name, role, org):
    runner.invoke(args=["demo"])
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == email))
    assert user.role == role
    assert (user.organisation.name if user.organisation else None) == org
