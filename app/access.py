"""Access control in one place.

Every endpoint declares who may call it (`@public`, `@signed_in`, `@roles(...)`); a
before-request hook refuses anything else, so a view without a rule is denied by default.
Every project query goes through `scoped_projects()`: an object out of a user's scope
answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user
from sqlalchemy import Select, bindparam, or_, select

from app.extensions import db, login_manager
from app.models import STAFF_ROLES, Project, ProjectCompany, Role

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
SIGNED_IN = "signed_in"
# Endpoints registered by Flask itself rather than by a view we wrote.
BUILTIN_PUBLIC_ENDPOINTS = frozenset({"static"})


def public(view: F) -> F:
    """Anyone, signed in or not, may call this view."""
    view.access_rule = PUBLIC
    return view


def signed_in(view: F) -> F:
    """Any signed-in user may call this view (it scopes its own data)."""
    view.access_rule = SIGNED_IN
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Only users with one of these roles may call this view."""

    def decorate(view: F) -> F:
        view.access_rule = frozenset(allowed)
        return view

    return decorate


staff_only = roles(*STAFF_ROLES)
admin_only = roles(Role.ADMIN)


def access_rule_for(app: Flask, endpoint: str):
    if endpoint in BUILTIN_PUBLIC_ENDPOINTS:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access():
    """Refuse the request unless the endpoint's rule admits the current user."""
    if request.endpoint is None:  # no route matched: Flask answers 404/405 itself
        return None
    rule = access_rule_for(current_app, request.endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s has no access rule; denied", request.endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if rule == SIGNED_IN or current_user.role in rule:
        return None
    abort(403)


def refuse_nul_bytes():
    """No field of ours can hold a NUL byte (PostgreSQL text cannot): refuse the request as
    malformed rather than let it reach a query."""
    # A NUL in the query string is "%00" or a raw byte: most requests have neither, and their
    # arguments need not be parsed here. A body is parsed (and checked) whenever there is one.
    query = request.query_string
    args = request.args.values() if b"%00" in query or b"\x00" in query else ()
    form = request.form.values() if request.content_length or request.content_type else ()
    if any("\x00" in value for value in (*args, *form)):
        abort(400)


def refuse_impossible_ids():
    """An id in the URL larger than any database id names nothing: the same 404 as a missing
    object (after the access rule, so anonymous users are still sent to sign in)."""
    from app.web import MAX_ID

    if request.view_args and any(
        isinstance(value, int) and value > MAX_ID for value in request.view_args.values()
    ):
        abort(404)


def project_scope_kind(user) -> str:
    """Which projects this user may see: "staff" (all), "client" (their association's),
    "contractor" (their company's) or "none"."""
    if user.role in STAFF_ROLES:
        return "staff"
    if user.role == Role.CLIENT and user.organisation_id:
        return "client"
    if user.role == Role.CONTRACTOR and user.organisation_id:
        return "contractor"
    return "none"  # a role or account we do not know sees nothing


def project_scope_clause_of(kind: str, organisation_id):
    """The WHERE clause of a scope kind (None: every project). `organisation_id` is the
    user's organisation, or a bind parameter for a statement built once per kind."""
    if kind == "staff":
        return None
    if kind == "client":
        return Project.client_id == organisation_id
    if kind == "contractor":
        return Project.id.in_(
            select(ProjectCompany.project_id).where(ProjectCompany.company_id == organisation_id)
        )
    return or_(False)


def project_scope_clause(user):
    """The WHERE clause that limits projects to what this user may see."""
    return project_scope_clause_of(project_scope_kind(user), user.organisation_id)


def scoped_projects_of(kind: str, organisation_id) -> Select:
    """A select of the projects a scope kind sees; `organisation_id` as for
    `project_scope_clause_of` (a bind parameter for a statement built once per kind)."""
    query = select(Project)
    clause = project_scope_clause_of(kind, organisation_id)
    return query if clause is None else query.where(clause)


def scoped_projects(user=None) -> Select:
    """A select of the projects `user` (default: the current user) may see."""
    user = user or current_user
    return scoped_projects_of(project_scope_kind(user), user.organisation_id)


@functools.lru_cache(maxsize=8)
def _scoped_project_statement(kind: str) -> Select:
    """`get_project_or_404`'s statement, built once per scope kind with the project and the
    organisation as bind parameters: building it and working out its cache key on every
    request cost more than running it."""
    projects = scoped_projects_of(kind, bindparam("organisation_id"))
    return projects.where(Project.id == bindparam("project_id"))


def get_project_or_404(project_id: int, user=None) -> Project:
    """The project if it exists and is in scope; 404 otherwise, the same in both cases."""
    user = user or current_user
    project = db.session.scalar(
        _scoped_project_statement(project_scope_kind(user)),
        {"project_id": project_id, "organisation_id": user.organisation_id},
    )
    if project is None:
        abort(404)
    return project
