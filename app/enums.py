"""The product's fixed vocabularies: roles, phases, the ladder's rungs, outcomes and kinds.

Plain Python with no Flask and no database, so that the domain rules (counting, the placement
rules) and the models share one definition. Each enum's value is what the database stores; its
`label` is an English msgid, translated where it is shown.
"""

from __future__ import annotations

import enum

from app.i18n import N_


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    CLIENT = "client"
    CONTRACTOR = "contractor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.COORDINATOR: N_("Coordinator"),
    Role.ADMIN: N_("Administrator"),
    Role.CLIENT: N_("Client (housing association)"),
    Role.CONTRACTOR: N_("Contractor"),
}


# Staff roles see and edit everything; admin adds user management.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


class OrganisationKind(enum.StrEnum):
    ASSOCIATION = "association"  # boligforening / boligorganisation: the client
    COMPANY = "company"  # entreprenør: main contractor or subcontractor

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]


ORG_KIND_LABELS = {
    OrganisationKind.ASSOCIATION: N_("Housing association"),
    OrganisationKind.COMPANY: N_("Company"),
}


class Phase(enum.StrEnum):
    TENDER = "tender"  # udbud
    AWARDED = "awarded"  # tildelt
    EXECUTION = "execution"  # udførelse
    COMPLETED = "completed"  # afsluttet

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]


PHASE_LABELS = {
    Phase.TENDER: N_("Tender"),
    Phase.AWARDED: N_("Awarded"),
    Phase.EXECUTION: N_("Execution"),
    Phase.COMPLETED: N_("Completed"),
}


class Rung(enum.StrEnum):
    """The rungs of the progression ladder, lowest first; each rung started is one course."""

    INTERNSHIP = "internship"  # virksomhedspraktik, 4-6 weeks
    WAGE_SUBSIDY = "wage_subsidy"  # løntilskud, 3 months
    ORDINARY = "ordinary"  # ordinær ansættelse, at least 4 months
    APPRENTICESHIP = "apprenticeship"  # læreplads, at least a partial agreement

    @property
    def label(self) -> str:
        return RUNG_LABELS[self]

    @property
    def step(self) -> int:
        return list(Rung).index(self) + 1


RUNG_LABELS = {
    Rung.INTERNSHIP: N_("Company internship"),
    Rung.WAGE_SUBSIDY: N_("Wage subsidy"),
    Rung.ORDINARY: N_("Ordinary employment"),
    Rung.APPRENTICESHIP: N_("Apprenticeship"),
}


class CompanyRole(enum.StrEnum):
    MAIN = "main"  # hovedentreprenør / totalentreprenør
    SUB = "sub"  # underentreprenør


class JobFunction(enum.StrEnum):
    """Common first jobs on a site; pladsmand is the usual way in."""

    SITE_LABOURER = "site_labourer"  # pladsmand
    CARPENTER_HELPER = "carpenter_helper"
    BRICKLAYER_HELPER = "bricklayer_helper"
    PAINTER = "painter"
    ELECTRICIAN = "electrician"
    PLUMBER = "plumber"
    SCAFFOLDER = "scaffolder"
    CONCRETE = "concrete"
    MACHINE_OPERATOR = "machine_operator"
    LANDSCAPER = "landscaper"
    CLEANER = "cleaner"
    OFFICE = "office"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FUNCTION_LABELS[self]


FUNCTION_LABELS = {
    JobFunction.SITE_LABOURER: N_("Site labourer (pladsmand)"),
    JobFunction.CARPENTER_HELPER: N_("Carpenter's helper"),
    JobFunction.BRICKLAYER_HELPER: N_("Bricklayer's helper"),
    JobFunction.PAINTER: N_("Painter"),
    JobFunction.ELECTRICIAN: N_("Electrician"),
    JobFunction.PLUMBER: N_("Plumber"),
    JobFunction.SCAFFOLDER: N_("Scaffolder"),
    JobFunction.CONCRETE: N_("Concrete worker"),
    JobFunction.MACHINE_OPERATOR: N_("Machine operator"),
    JobFunction.LANDSCAPER: N_("Landscaper"),
    JobFunction.CLEANER: N_("Construction cleaner"),
    JobFunction.OFFICE: N_("Site office"),
    JobFunction.OTHER: N_("Other"),
}


class OpeningStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    OpeningStatus.OPEN: N_("Open"),
    OpeningStatus.MATCHED: N_("Matched"),
    OpeningStatus.WITHDRAWN: N_("Withdrawn"),
}


class MeetingKind(enum.StrEnum):
    KICKOFF = "kickoff"  # opstartsmøde
    MONTHLY = "monthly"  # månedligt opfølgningsmøde


class ConversationKind(enum.StrEnum):
    PRE_MATCH = "pre_match"  # a conversation before any match
    RETENTION = "retention"  # fastholdelsessamtale during a placement
    EMPLOYER = "employer"  # follow-up with the employer
    JOB_CENTRE = "job_centre"  # with the job centre

    @property
    def label(self) -> str:
        return CONVERSATION_LABELS[self]


CONVERSATION_LABELS = {
    ConversationKind.PRE_MATCH: N_("Before a match"),
    ConversationKind.RETENTION: N_("Retention conversation"),
    ConversationKind.EMPLOYER: N_("Follow-up with the employer"),
    ConversationKind.JOB_CENTRE: N_("With the job centre"),
}


class Outcome(enum.StrEnum):
    NEXT_RUNG = "next_rung"  # moved up to the next rung
    COMPLETED = "completed"  # the rung was completed
    ENDED_EARLY = "ended_early"  # stopped before time, with a reason
    OTHER_WORK = "other_work"  # found other work

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.NEXT_RUNG: N_("Moved to the next rung"),
    Outcome.COMPLETED: N_("Completed"),
    Outcome.ENDED_EARLY: N_("Ended early"),
    Outcome.OTHER_WORK: N_("Found other work"),
}


class TrainingScheme(enum.StrEnum):
    """The scheme a person in training follows, when the placement is not an apprenticeship
    (an apprenticeship is always training: a vocational education, EUD)."""

    EUD = "eud"  # erhvervsuddannelse
    FGU = "fgu"  # forberedende grunduddannelse
    AMU = "amu"  # arbejdsmarkedsuddannelse
    IGU = "igu"  # integrationsgrunduddannelse
    OTHER = "other"  # anden oplæring

    @property
    def label(self) -> str:
        return SCHEME_LABELS[self]


SCHEME_LABELS = {
    TrainingScheme.EUD: N_("Vocational education (EUD)"),
    TrainingScheme.FGU: N_("Preparatory basic education (FGU)"),
    TrainingScheme.AMU: N_("Labour-market training (AMU)"),
    TrainingScheme.IGU: N_("Integration basic education (IGU)"),
    TrainingScheme.OTHER: N_("Other training"),
}


class OutboxStatus(enum.StrEnum):
    """Where an e-mail in the outbox is: waiting (also between retries), claimed by a sender,
    delivered, or given up on after the last attempt."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return OUTBOX_STATUS_LABELS[self]


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: N_("Waiting"),
    OutboxStatus.SENDING: N_("Being sent"),
    OutboxStatus.SENT: N_("Sent"),
    OutboxStatus.FAILED: N_("Failed"),
}


class MailKind(enum.StrEnum):
    """What an e-mail is about. The notifications can be switched off per user; the
    set-password mails cannot."""

    SET_PASSWORD = "set_password"
    RESET_PASSWORD = "reset_password"
    APPROVAL = "approval"
    APPROVED = "approved"
    QUESTION = "question"
    ANSWER = "answer"
    MEETING = "meeting"
    DIGEST = "digest"
    ACTION_ITEM = "action_item"
    ACTION_DUE = "action_due"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return MAIL_KIND_LABELS[self]


MAIL_KIND_LABELS = {
    MailKind.SET_PASSWORD: N_("Invitation: set your password"),
    MailKind.RESET_PASSWORD: N_("Forgotten password"),
    MailKind.APPROVAL: N_("An agreement version awaits your approval"),
    MailKind.APPROVED: N_("An agreement version was approved"),
    MailKind.QUESTION: N_("A contractor asked a question"),
    MailKind.ANSWER: N_("Your question was answered"),
    MailKind.MEETING: N_("Meetings: invitations, changes and cancellations"),
    MailKind.DIGEST: N_("Every morning: what waits for the coordinators"),
    MailKind.ACTION_ITEM: N_("An action item was given to you"),
    MailKind.ACTION_DUE: N_("An action item of yours falls due today"),
    MailKind.WEEKLY: N_("Every Monday: the coordinators' weekly overview"),
}
# The kinds a user may switch off on /mail/settings.
OPTIONAL_MAIL_KINDS = (
    MailKind.APPROVAL,
    MailKind.APPROVED,
    MailKind.QUESTION,
    MailKind.ANSWER,
    MailKind.MEETING,
    MailKind.ACTION_ITEM,
    MailKind.ACTION_DUE,
    MailKind.DIGEST,
    MailKind.WEEKLY,
)


class MailChoice(enum.StrEnum):
    """How a user wants one kind of notification: at once, bundled in one mail each morning
    (`flask mail daily`), or not at all. No row in mail_opt_outs means at once."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"

    @property
    def label(self) -> str:
        return MAIL_CHOICE_LABELS[self]


MAIL_CHOICE_LABELS = {
    MailChoice.IMMEDIATE: N_("At once"),
    MailChoice.DAILY: N_("In a daily summary"),
    MailChoice.OFF: N_("Off"),
}
LANGUAGES = {"da": "Dansk", "en": "English"}
