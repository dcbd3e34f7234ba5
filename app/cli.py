"""Command-line tools: `flask users ...` and `flask demo`."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from app.audit import log as audit
from app.auth.passwords import password_problems
from app.extensions import db
from app.models import Organisation, OrganisationKind, Role, User

ORG_KIND_FOR_ROLE = {
    Role.CLIENT: OrganisationKind.ASSOCIATION,
    Role.CONTRACTOR: OrganisationKind.COMPANY,
}

users_cli = AppGroup("users", help="Create, list, disable and enable users.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the email address).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--organisation", default=None, help="Name or id of the association or company.")
@click.option(
    "--password",
    default=None,
    help="Without it, the user gets an e-mail with a link to set the password (72 hours).",
)
def create_user(email, name, role, organisation, password):
    """Create a user. Clients need an association, contractors a company. Without --password
    the user is e-mailed a link to set one (with no mail server: printed to the console)."""
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise click.ClickException(f"A user with the email {email} already exists.")
    org = None
    needed = ORG_KIND_FOR_ROLE.get(Role(role))
    if needed is not None:
        if not organisation:
            raise click.ClickException(f"A {role} user needs --organisation.")
        query = select(Organisation).where(Organisation.kind == needed)
        if organisation.isdigit():
            query = query.where(Organisation.id == int(organisation))
        else:
            query = query.where(func.lower(Organisation.name) == organisation.strip().lower())
        org = db.session.scalar(query)
        if org is None:
            raise click.ClickException(f"No {needed.value} called {organisation!r}.")
    elif organisation:
        raise click.ClickException("Staff users (coordinator, admin) have no organisation.")
    if password is not None and (problems := password_problems(password, email)):
        raise click.ClickException(" ".join(str(problem) for problem in problems))
    user = User(email=email, name=name or email, role=role, organisation=org, password_hash="-")
    db.session.add(user)
    db.session.flush()
    if password is not None:
        user.set_password(password)
    else:
        from app.mail import notify

        notify.new_account(user)  # the link, sent after the commit below
    audit.record("user_created", target=f"user:{user.id} role:{user.role}")  # by the system
    db.session.commit()
    click.echo(f"Created {role} {email}" + (f" ({org.name})" if org else ""))
    if password is None:
        from app.mail import outbox

        outbox.send_due()
        click.echo(f"A link to set the password was e-mailed to {email}.")


@users_cli.command("list")
def list_users():
    """List users with role, organisation and status."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        org = user.organisation.name if user.organisation else "-"
        state = "active" if user.active else "disabled"
        click.echo(f"{user.id:>4}  {user.email:<40} {user.role:<12} {state:<9} {org}")


def _set_active(email: str, active: bool):
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    user.active = active
    if not active:
        user.session_version += 1
    audit.record("user_enabled" if active else "user_disabled", target=f"user:{user.id}")
    db.session.commit()
    click.echo(f"{user.email} is now {'active' if active else 'disabled'}")


@users_cli.command("disable")
@click.argument("email")
def disable_user(email):
    """Disable a user (signs them out everywhere)."""
    _set_active(email, False)


@users_cli.command("enable")
@click.argument("email")
def enable_user(email):
    """Re-enable a user."""
    _set_active(email, True)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only load when the database has no users.")
def demo_command(if_empty):
    """Load the demo data and print the demo sign-ins."""
    from app.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("The database already has data; the demo data was not loaded again.")
    else:
        load_demo()
        click.echo("Demo data loaded.")
    click.echo("")
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, _org in DEMO_USERS:
        click.echo(f"  {role:<12} {email}")
    click.echo("")
    host = current_app.config.get("SERVER_NAME") or "127.0.0.1:5000"
    click.echo(f"Open http://{host}/ in a browser.")


def init_app(app):
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
