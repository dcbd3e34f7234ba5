"""The kickoff meeting: planning it, its prefilled agenda and Q&A, and the contractor briefing."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from app.agreements import service as agreements
from app.agreements.danish import join_and
from app.agreements.document import build_context, unprotect
from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    LadderTable,
    Paragraph,
    Section,
    SubHeading,
)
from app.agreements.example import describe, worked_example
from app.extensions import db
from app.meetings.models import KickoffQuestion, Meeting, MeetingKind, MeetingParticipant
from app.meetings.qa import QuestionLibrary, answer_values, default_agenda, load_questions
from app.meetings.qa import render_answer as _render_answer
from app.models import Project, Role, User, utcnow


def init_app(app) -> None:
    library = load_questions(app.config.get("AGREEMENT_LIBRARY") or agreements.DEFAULT_DIR)
    for error in library.errors:
        app.logger.warning("Kickoff questions: %s", error)
    app.extensions["kickoff_questions"] = library


def question_library() -> QuestionLibrary:
    return current_app.extensions["kickoff_questions"]


def kickoff_meeting(project: Project) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(Meeting.project_id == project.id, Meeting.kind == MeetingKind.KICKOFF)
    )


def agreement_values(project: Project, before_approval: bool = False) -> tuple[dict, bool]:
    """The values the kickoff texts are filled in with, and whether they are agreed.

    The approved agreement's values with the project's names; before any version is approved,
    the library's defaults with the project's names. A draft's values never reach the kickoff
    agenda, Q&A or briefing: the contractor reads them, and a draft is not agreed.
    ``before_approval=True`` gives the values as they are before any approval.
    """
    approved = None if before_approval else agreements.approved_version(project)
    stored = approved.content.get("values", {}) if approved else None
    return answer_values(stored, **agreements.project_values(project)), approved is not None


def standard_answers(project: Project) -> list[tuple[str, str, str]]:
    """(key, question, answer) for every standard question, answered for this project."""
    values, approved = agreement_values(project)
    return [
        (q.key, q.question, _render_answer(q, values, approved))
        for q in question_library().questions
    ]


def refresh_after_approval(project: Project) -> None:
    """Once a version is approved, fill the agreed values into the kickoff texts that were
    written before: the agenda and the standard answers still as they were made, unedited.
    The caller commits."""
    unagreed, _ = agreement_values(project, before_approval=True)
    values, approved = agreement_values(project)
    if not approved:
        return
    meeting = kickoff_meeting(project)
    if meeting is not None and meeting.agenda == default_agenda(unagreed, approved=False):
        meeting.agenda = default_agenda(values)
    templates = {q.key: q for q in question_library().questions}
    for question in questions(project):
        template = templates.get(question.template_key or "")
        if template and question.answer == _render_answer(template, unagreed, False):
            question.answer = _render_answer(template, values, True)


def questions(project: Project) -> list[KickoffQuestion]:
    return list(
        db.session.scalars(
            select(KickoffQuestion)
            .where(KickoffQuestion.project_id == project.id)
            .order_by(KickoffQuestion.position, KickoffQuestion.id)
        )
    )


def _next_position(project: Project) -> int:
    highest = db.session.scalar(
        select(func.max(KickoffQuestion.position)).where(KickoffQuestion.project_id == project.id)
    )
    return (highest or 0) + 1


def plan(project: Project, starts_at: datetime, duration: int, place: str, agenda: str, user):
    """Create the kickoff meeting with its agenda, the standard Q&A and the obvious people."""
    meeting = Meeting(
        project_id=project.id,
        kind=MeetingKind.KICKOFF,
        starts_at=starts_at,
        duration_minutes=duration,
        place=place,
        agenda=agenda or default_agenda(*agreement_values(project)),
    )
    db.session.add(meeting)
    if not any(q.is_standard for q in questions(project)):
        position = _next_position(project)
        for key, question, answer in standard_answers(project):
            db.session.add(
                KickoffQuestion(
                    project_id=project.id,
                    position=position,
                    template_key=key,
                    question=question,
                    answer=answer,
                )
            )
            position += 1
    for participant in _default_participants(project, user):
        meeting.participants.append(participant)
    db.session.flush()
    _notify().meeting_changed(meeting, "planned")  # the invitations, in the same transaction
    db.session.commit()
    return meeting


def _notify():
    from app.mail import notify  # the mails build on meetings, not the other way

    return notify


def _default_participants(project: Project, user) -> list[MeetingParticipant]:
    people = [MeetingParticipant(name=user.name, side="coordinator", email=user.email)]
    company_ids = [pc.company_id for pc in project.companies if pc.role == "main"]
    users = db.session.scalars(
        select(User).where(
            User.active,
            (
                (User.role == Role.CLIENT) & (User.organisation_id == project.client_id)
                | (User.role == Role.CONTRACTOR) & User.organisation_id.in_(company_ids)
            ),
        )
    )
    for person in users:
        side = "client" if person.role == Role.CLIENT else "contractor"
        people.append(
            MeetingParticipant(
                name=person.name,
                side=side,
                email=person.email,
                organisation_id=person.organisation_id,
            )
        )
    return people


def reschedule(meeting: Meeting, starts_at, duration, place, agenda) -> None:
    """Change the meeting; the calendar entry keeps its UID and gets a higher SEQUENCE."""
    moved = (meeting.starts_at, meeting.duration_minutes, meeting.place) != (
        starts_at,
        duration,
        place,
    )
    if moved:
        meeting.sequence += 1
    meeting.starts_at, meeting.duration_minutes = starts_at, duration
    meeting.place, meeting.agenda = place, agenda
    if moved:
        db.session.flush()
        _notify().meeting_changed(meeting, "moved")
    db.session.commit()


def ask(project: Project, text: str, user) -> KickoffQuestion:
    question = KickoffQuestion(
        project_id=project.id,
        position=_next_position(project),
        question=text.strip(),
        asked_by_id=user.id,
    )
    db.session.add(question)
    db.session.flush()
    _notify().question_asked(question, project, user)
    db.session.commit()
    return question


def answer(question: KickoffQuestion, text: str, user) -> None:
    first_answer = not question.answer
    question.answer = text.strip()
    question.answered_by_id = user.id if question.answer else None
    question.answered_at = utcnow() if question.answer else None
    if first_answer and question.answer:  # the asker hears of the answer once, not of edits
        project = db.session.get(Project, question.project_id)
        _notify().question_answered(question, project, user)
    db.session.commit()


def move(project: Project, question: KickoffQuestion, direction: str) -> None:
    """Swap the question with its neighbour above or below."""
    ordered = questions(project)
    i = next(i for i, q in enumerate(ordered) if q.id == question.id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
        for position, q in enumerate(ordered, 1):
            q.position = position
        db.session.commit()


# --- the contractor briefing ----------------------------------------------------------------

NOT_APPROVED = (
    "Bygherren har endnu ikke godkendt aftalen. Måltal, optælling og opgaver står her, når den "
    "er godkendt."
)
SEE_AGREEMENT = "Står i aftalen, når bygherren har godkendt den."


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _section_blocks(doc: AgreementDocument | None, key: str):
    """A clause's blocks for the briefing, without the agreement's paragraph numbers (the
    briefing has its own headings)."""
    if doc is None:
        return ()
    blocks = next((s.blocks for s in doc.sections if s.key == key), ())
    return tuple(Paragraph(b.text) if isinstance(b, Paragraph) else b for b in blocks)


_SIDE_ROLES = {
    "client": "bygherre",
    "contractor": "entreprenør",
    "coordinator": "koordinerende enhed",
    "other": "deltager",
}


def briefing_contacts(project: Project, values: dict, main: str, meeting) -> list[str]:
    """Each contact once, as "name – role, organisation (phone, e-mail)": the agreement's
    contacts (agreed values only) first, then the kickoff participants not already named."""
    entries: list[tuple[str, str, str, list[str]]] = []
    coordinator = values.get("coordinator_name") or "Byg Op"
    entries.append(
        (
            values.get("coordinator_contact") or coordinator,
            "koordinerende enhed",
            coordinator,
            [],
        )
    )
    for prefix, role, organisation in (
        ("client", "bygherre", project.client.name),
        ("contractor", "hovedentreprenør", main),
    ):
        name = values.get(f"{prefix}_contact_name")
        if name:
            details = [values.get(f"{prefix}_contact_{k}") for k in ("phone", "email")]
            role = values.get(f"{prefix}_contact_role") or role
            entries.append((name, role, organisation, [d for d in details if d]))
    for participant in meeting.participants if meeting else ():
        organisation = participant.organisation.name if participant.organisation else ""
        if participant.side == "coordinator" and not organisation:
            organisation = coordinator
        role = _SIDE_ROLES.get(participant.side, "deltager")
        details = [participant.email] if participant.email else []
        entries.append((participant.name, role, organisation, details))
    seen: set[str] = set()
    lines = []
    for name, role, organisation, details in entries:
        key = " ".join(name.lower().split())
        if key in seen:
            continue
        seen.add(key)
        who = f"{name} – {role}" + (
            f", {organisation}" if organisation and organisation != name else ""
        )
        lines.append(who + (f" ({', '.join(details)})" if details else ""))
    return lines


def briefing(project: Project) -> AgreementDocument:
    """The kickoff briefing for the contractor, as a document for the Word writer.

    Before a version is approved it says so and carries no target, duty or contact from a
    draft: every role downloads the same file, and it is meant for the contractor.
    """
    approved = agreements.approved_version(project)
    doc = agreements.stored_document(approved) if approved else None
    values, _agreed = agreement_values(project)
    context = build_context(values)
    main = unprotect(context["main_contractor_name"])
    meeting = kickoff_meeting(project)
    areas = join_and(values["housing_areas"]) or "boligområderne"
    purpose = (
        f"Formålet er at skabe job og uddannelse for ledige beboere fra {areas}, så nogle af dem "
        "kommer helt i ordinær beskæftigelse eller uddannelse."
    )
    if approved:
        summary = (
            Paragraph(
                f"{project.client.name} og {main} har indgået en social partnerskabsaftale om "
                f"byggesagen {project.name}. {purpose}"
            ),
            Paragraph(
                f"Aftalen er godkendt af bygherren (version {approved.number}) og gælder i hele "
                "udførelsesfasen."
            ),
        )
        example = worked_example(values["apprenticeships_min"], values["courses_min"])
        targets = (
            Bullets(
                (
                    f"Mindst {_count(values['apprenticeships_min'], 'læreplads', 'lærepladser')}.",
                    f"Mindst {values['courses_min']} beskæftigelsesforløb.",
                )
            ),
            Paragraph(
                "Hvert trin, en beboer når på stigen, tæller som ét beskæftigelsesforløb. "
                + (
                    f"Måltallene kan nås med {_count(example.residents, 'person', 'personer')}, "
                    f"hvis {describe(example)}."
                    if example.residents
                    else "Aftalen fastsætter ingen måltal."
                )
            ),
        )
    else:
        summary = (
            Paragraph(
                f"{project.client.name} og {main} skal have en social partnerskabsaftale om "
                f"byggesagen {project.name}. {purpose}"
            ),
            Paragraph(NOT_APPROVED),
        )
        targets = (
            Paragraph(
                "Måltallene ligger først fast, når bygherren har godkendt aftalen. Indtil da er "
                "der ingen aftalte tal for lærepladser og beskæftigelsesforløb."
            ),
        )
    sections = [
        ("summary", "Aftalen kort", summary),
        ("targets", "Måltal", targets),
        (
            "ladder",
            "Progressionsstigen",
            tuple(
                b for b in _section_blocks(doc, "ladder") if isinstance(b, LadderTable | Paragraph)
            )
            or (Paragraph("Virksomhedspraktik, løntilskud, ordinær ansættelse og læreplads."),),
        ),
        (
            "client_duties",
            "Bygherrens opgaver",
            _section_blocks(doc, "client_duties") or (Paragraph(SEE_AGREEMENT),),
        ),
        (
            "contractor_duties",
            "Jeres opgaver som hovedentreprenør",
            _section_blocks(doc, "contractor_duties") or (Paragraph(SEE_AGREEMENT),),
        ),
    ]
    if meeting:
        when = _danish_when(meeting.starts_at)
        blocks = [Paragraph(f"{when}" + (f", {meeting.place}" if meeting.place else "") + ".")]
        items = tuple(line.strip() for line in meeting.agenda.splitlines() if line.strip())
        if items:
            blocks += [SubHeading("Dagsorden"), Bullets(items)]
        sections.append(("kickoff", "Opstartsmødet", tuple(blocks)))
    qa_blocks = []
    for q in questions(project) or []:
        qa_blocks += [SubHeading(q.question), Paragraph(q.answer or "Besvares på mødet.")]
    if not qa_blocks:
        for _key, question, answer_text in standard_answers(project):
            qa_blocks += [SubHeading(question), Paragraph(answer_text)]
    sections.append(("qa", "Spørgsmål og svar", tuple(qa_blocks)))
    contacts = briefing_contacts(project, values, main, meeting)
    sections.append(("contacts", "Kontakter", (Bullets(tuple(contacts)),)))
    return AgreementDocument(
        title="Opstartsbriefing",
        subtitle=project.name,
        header=f"Opstartsbriefing – {project.name}",
        sections=tuple(
            Section(number, key, title, tuple(blocks))
            for number, (key, title, blocks) in enumerate(sections, 1)
        ),
    )


def _danish_when(moment: datetime) -> str:
    from app.agreements import danish
    from app.meetings.calendar import local

    start = local(moment)
    return f"{danish.format_date(start.date())} kl. {start:%H.%M}"
