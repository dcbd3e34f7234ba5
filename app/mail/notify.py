"""Who gets which e-mail, queued in the transaction of the event (the caller commits).

Mails to client and contractor users name the project, the agreement version or the meeting
and link to the page: never a resident. The coordinators' mails hold no resident either.
"""

from __future__ import annotations

from icalendar import Calendar, vCalAddress, vText
from sqlalchemy import select

from app.auth.tokens import make_token
from app.enums import STAFF_ROLES, MailChoice, MailKind, Role
from app.extensions import db
from app.i18n import N_
from app.mail.compose import Msg, compose, link
from app.mail.models import MailDigestItem, MailOptOut
from app.mail.outbox import Mailable, mail_server_configured, queue
from app.meetings.calendar import local, meeting_event
from app.models import User


def _choices(user_ids, kind: MailKind) -> dict[int, MailChoice]:
    """The choice of each of `user_ids` for `kind` that is not "at once" (the default)."""
    if not user_ids:
        return {}
    return dict(
        db.session.execute(
            select(MailOptOut.user_id, MailOptOut.choice).where(
                MailOptOut.kind == kind, MailOptOut.user_id.in_(list(user_ids))
            )
        ).all()
    )


def _wanted(users, kind: MailKind) -> list[User]:
    """The active users with an address who have not switched `kind` off (at once or in the
    daily summary: `deliver` tells which)."""
    users = [u for u in users if u.active and u.email]
    if not users:
        return []
    choices = _choices({u.id for u in users}, kind)
    return [u for u in users if choices.get(u.id) != MailChoice.OFF]


def deliver(mailable: Mailable, url: str) -> None:
    """Queue the mail, or, if its recipient wants this kind in the daily summary, keep its
    subject and link for `flask mail daily` (app/mail/daily.py). Set-password mails are
    always sent at once (they never reach here)."""
    if mailable.user_id is not None:
        choice = _choices({mailable.user_id}, mailable.kind).get(mailable.user_id)
        if choice == MailChoice.DAILY:
            db.session.add(
                MailDigestItem(
                    user_id=mailable.user_id,
                    kind=mailable.kind,
                    subject=mailable.subject,
                    url=url[:500],
                )
            )
            return
    queue(mailable)


def _users(*conditions) -> list[User]:
    return list(db.session.scalars(select(User).where(User.active, *conditions).order_by(User.id)))


def coordinators() -> list[User]:
    return _users(User.role == Role.COORDINATOR)


# --- passwords ------------------------------------------------------------------------------


def new_account(user: User, invited_by: User | None = None) -> str | None:
    """Give a new (flushed) user a password and send the set-password link. With a mail
    server, the password is random and never shown: the link is the way in. Without one (the
    mail goes to the console log), return a temporary password to show once, as a fallback."""
    from app.auth.passwords import new_temporary_password

    password = new_temporary_password()
    user.set_password(password)
    set_password(user, invited_by)
    return None if mail_server_configured() else password


def set_password(user: User, invited_by: User | None = None) -> None:
    """The invitation: a link to set the password (works once, for 72 hours)."""
    url = link("auth.set_password", token=make_token(user))
    queue(
        compose(
            MailKind.SET_PASSWORD,
            "set_password",
            user.email,
            user,
            N_("Welcome to Byg Op: choose your password"),
            url=url,
            invited_by=invited_by.name if invited_by else "",
        )
    )


def reset_password(user: User | None, email: str) -> None:
    """The forgotten-password link. For an address with no account the same mail is composed
    (the same work, so the answer takes as long) and not queued."""
    stand_in = user or User(id=0, email=email, name="", password_hash="-", language="da")
    url = link("auth.set_password", token=make_token(stand_in))
    mailable = compose(
        MailKind.RESET_PASSWORD,
        "reset_password",
        email,
        stand_in,
        N_("Byg Op: set a new password"),
        url=url,
    )
    if user is not None:
        queue(mailable)


# --- agreements -----------------------------------------------------------------------------


def version_awaits_approval(version) -> None:
    """A saved version: the client users of the project's association may approve it."""
    project = version.project
    clients = _users(User.role == Role.CLIENT, User.organisation_id == project.client_id)
    url = link("agreements.version", project_id=project.id, number=version.number)
    for user in _wanted([u for u in clients if u.id != version.author_id], MailKind.APPROVAL):
        deliver(
            compose(
                MailKind.APPROVAL,
                "approval",
                user.email,
                user,
                N_("Version %(number)s of the agreement for %(project)s awaits your approval"),
                {"number": version.number, "project": project.name},
                project=project,
                version=version,
                url=url,
            ),
            url,
        )


def version_approved(version, approver: User) -> None:
    """An approved version: the coordinators and the project's contractor users."""
    project = version.project
    company_ids = [pc.company_id for pc in project.companies]
    people = coordinators() + (
        _users(User.role == Role.CONTRACTOR, User.organisation_id.in_(company_ids))
        if company_ids
        else []
    )
    url = link("agreements.version", project_id=project.id, number=version.number)
    for user in _wanted(people, MailKind.APPROVED):
        deliver(
            compose(
                MailKind.APPROVED,
                "approved",
                user.email,
                user,
                N_("The agreement for %(project)s is approved (version %(number)s)"),
                {"number": version.number, "project": project.name},
                project=project,
                version=version,
                url=url,
            ),
            url,
        )


# --- kickoff questions ----------------------------------------------------------------------


def question_asked(question, project, asker: User) -> None:
    """A contractor's question: the coordinators answer it."""
    if asker.role in STAFF_ROLES:
        return
    url = link("meetings.kickoff_page", project_id=project.id)
    for user in _wanted(coordinators(), MailKind.QUESTION):
        deliver(
            compose(
                MailKind.QUESTION,
                "question",
                user.email,
                user,
                N_("New question from a contractor on %(project)s"),
                {"project": project.name},
                project=project,
                question=question,
                asker=asker,
                url=url,
            ),
            url,
        )


def question_answered(question, project, answerer: User) -> None:
    """An answer: the asker, unless they answered it themselves."""
    asker = question.asked_by
    if asker is None or asker.id == answerer.id or not question.answer:
        return
    url = link("meetings.kickoff_page", project_id=project.id)
    for user in _wanted([asker], MailKind.ANSWER):
        deliver(
            compose(
                MailKind.ANSWER,
                "answer",
                user.email,
                user,
                N_("Your question on %(project)s was answered"),
                {"project": project.name},
                project=project,
                question=question,
                url=url,
            ),
            url,
        )


# --- action items ---------------------------------------------------------------------------


def action_item_owners(item) -> list[User]:
    """The users an action item's free-text owner names, within its project only (as their
    inbox matches it, folded): a coordinator, one of the project's contractors' users or one
    of its association's client users by name; or every contractor user of a project company
    by the company's name. No one outside the project."""
    from app.models import Organisation, Project
    from app.search import search_term

    owner = search_term(item.owner)
    if not owner:
        return []
    project = db.session.get(Project, item.project_id)
    company_ids = [pc.company_id for pc in project.companies]
    named = [
        c.id
        for c in db.session.scalars(select(Organisation).where(Organisation.id.in_(company_ids)))
        if search_term(c.name) == owner
    ]
    people = coordinators() + _users(
        User.role == Role.CLIENT, User.organisation_id == project.client_id
    )
    if company_ids:
        people += _users(User.role == Role.CONTRACTOR, User.organisation_id.in_(company_ids))
    return [
        u
        for u in people
        if search_term(u.name) == owner
        or (u.role == Role.CONTRACTOR and u.organisation_id in named)
    ]


ACTION_SUBJECTS = {
    MailKind.ACTION_ITEM: N_("An action item on %(project)s was given to you"),
    MailKind.ACTION_DUE: N_("An action item on %(project)s falls due today"),
}


def action_item(item, kind: MailKind = MailKind.ACTION_ITEM) -> int:
    """Tell the owner(s) of an action item that it is theirs (ACTION_ITEM), or that it falls
    due today (ACTION_DUE). The mail holds the item's text, as the meeting page shows it to
    them, and links to that page. Returns how many were told."""
    from app.models import Project

    project = db.session.get(Project, item.project_id)
    if item.meeting_id:
        url = link("meetings.meeting_page", project_id=project.id, meeting_id=item.meeting_id)
    else:
        url = link("projects.detail", project_id=project.id)
    owners = _wanted(action_item_owners(item), kind)
    for user in owners:
        deliver(
            compose(
                kind,
                "action_item",
                user.email,
                user,
                ACTION_SUBJECTS[kind],
                {"project": project.name},
                project=project,
                item=item,
                due=kind == MailKind.ACTION_DUE,
                url=url,
            ),
            url,
        )
    return len(owners)


# --- meetings -------------------------------------------------------------------------------


CHANGES = {
    "planned": N_("Invitation: %(meeting)s, %(when)s"),
    "moved": N_("Changed: %(meeting)s, now %(when)s"),
    "cancelled": N_("Cancelled: %(meeting)s, %(when)s"),
}


def meeting_changed(meeting, change: str) -> None:
    """A meeting planned, moved or cancelled (`change`: planned, moved, cancelled): every
    participant with an address gets a calendar invitation (METHOD:REQUEST, or METHOD:CANCEL)
    under the meeting's UID with its current SEQUENCE, so the calendar entry is replaced."""
    addresses = sorted({p.email.strip().lower() for p in meeting.participants if p.email})
    if not addresses:
        return
    # Participants with an account get the mail in their language; others in Danish.
    users = {u.email.lower(): u for u in _users(User.email.in_(addresses))}
    wanted = {u.id for u in _wanted(list(users.values()), MailKind.MEETING)}
    project = meeting.project
    if meeting.kind == "kickoff":
        url = link("meetings.kickoff_page", project_id=project.id)
        name, summary = Msg(N_("Kickoff meeting")), f"Opstartsmøde: {project.name}"
    else:
        url = link("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
        name, summary = Msg(N_("Follow-up meeting")), f"Opfølgningsmøde: {project.name}"
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    when = local(meeting.starts_at)
    for address in addresses:
        user = users.get(address)
        if user is not None and user.id not in wanted:
            continue
        mailable = compose(
            MailKind.MEETING,
            "meeting",
            address,
            user,
            CHANGES[change],
            {"meeting": name, "when": when.strftime("%d.%m.%Y %H:%M")},
            meeting=meeting,
            project=project,
            meeting_name=name,
            change=change,
            when=when,
            url=url,
        )
        mailable.calendar = invitation(meeting, summary, method, address)
        mailable.calendar_method = method
        deliver(mailable, url)


def invitation(meeting, summary: str, method: str, attendee: str) -> str:
    """The meeting as an iCalendar invitation to one attendee (RFC 5546: REQUEST or CANCEL)."""
    event = meeting_event(meeting, summary)
    if method == "CANCEL" and "status" in event:
        event.pop("status")
        event.add("status", "CANCELLED")
    address = vCalAddress(f"mailto:{attendee}")
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["rsvp"] = vText("FALSE")
    event.add("attendee", address, encode=0)
    cal = Calendar()
    cal.add("prodid", "-//Byg Op//Intranet//DA")
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")
