"""The variables an agreement text can use: kinds, labels, defaults and value checks.

Labels, help texts and validation messages are English msgids wrapped in ``N_`` (a no-op): the
Flask layer translates them with gettext, and ``pybabel extract -k N_`` finds them here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app.i18n import N_
from app.training import MAX_BUDGET, parse_coefficient, parse_kroner


@dataclass(frozen=True)
class Message:
    """A user-facing message: an English msgid plus its %-format parameters.

    Show it with ``message.format(gettext)`` so the msgid is translated before the parameters
    are filled in; ``str(message)`` gives the English text.
    """

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def format(self, gettext=None) -> str:
        text = gettext(self.msgid) if gettext is not None else self.msgid
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.format()


MAX_INT = 10_000
MAX_TEXT = 2_000
MAX_PENALTY = 1_000_000  # kroner

# Characters a Word document (XML 1.0) cannot hold, plus the Unicode noncharacters, which the
# renderer reserves for internal use (see document.py, "protect").
ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


@dataclass(frozen=True)
class VariableSpec:
    kind: str
    label: str
    required: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    maximum: int = 0  # largest whole number allowed; MAX_INT when 0

    @property
    def derived(self) -> bool:
        return self.kind == "derived"


# Hours in one apprentice årsværk (full-time year), used by the optional årsværk clause.
HOURS_PER_AARSVAERK = 1924
# Rungs on the progression ladder; each rung climbed counts as one course.
LADDER_RUNGS = 4

VARIABLES: dict[str, VariableSpec] = {
    "project_name": VariableSpec(
        "text", N_("Project name"), True, "", N_("The building project, as named in the tender.")
    ),
    "project_address": VariableSpec(
        "text", N_("Project address"), False, "", N_("Street address of the site (optional).")
    ),
    "client_name": VariableSpec(
        "text", N_("Client"), True, "", N_("The housing association tendering the project.")
    ),
    "main_contractor_name": VariableSpec(
        "text",
        N_("Main contractor"),
        False,
        "",
        N_("Leave empty before the award; the text then says 'the winning main contractor'."),
    ),
    "housing_areas": VariableSpec(
        "areas",
        N_("Housing areas"),
        True,
        [],
        N_("The housing areas the local candidates come from, one per line."),
    ),
    "apprenticeships_min": VariableSpec(
        "int", N_("Minimum apprenticeships"), True, 2, N_("Apprenticeships the contractor creates.")
    ),
    "courses_min": VariableSpec(
        "int",
        N_("Minimum employment courses"),
        True,
        8,
        N_("Internships, wage subsidy jobs, ordinary jobs and apprenticeships all count."),
    ),
    "internship_weeks_min": VariableSpec(
        "int", N_("Internship, shortest (weeks)"), True, 4, N_("Usual shortest company internship.")
    ),
    "internship_weeks_max": VariableSpec(
        "int", N_("Internship, longest (weeks)"), True, 6, N_("Usual longest company internship.")
    ),
    "wage_subsidy_months": VariableSpec(
        "int", N_("Wage subsidy (months)"), True, 3, N_("Usual length of a wage subsidy job.")
    ),
    "ordinary_months_min": VariableSpec(
        "int",
        N_("Ordinary employment, at least (months)"),
        True,
        4,
        N_("Shortest ordinary employment on the ladder."),
    ),
    "count_rule": VariableSpec(
        "choice",
        N_("When a course counts"),
        True,
        "started",
        N_("Count a rung when it starts, or only once it has lasted its minimum duration."),
        (
            ("started", N_("When it starts")),
            ("min_duration", N_("When it has lasted its minimum duration")),
        ),
    ),
    "coordinator_name": VariableSpec(
        "text",
        N_("Coordinating unit"),
        True,
        "Byg Op",
        N_("The unit that carries the client's duties."),
    ),
    "coordinator_contact": VariableSpec(
        "text",
        N_("Coordinator contact"),
        False,
        "",
        N_("Name, phone or e-mail of the coordinator (optional)."),
    ),
    "execution_start": VariableSpec(
        "date", N_("Execution phase starts"), False, None, N_("Expected start on site (optional).")
    ),
    "execution_end": VariableSpec(
        "date", N_("Execution phase ends"), False, None, N_("Expected handover (optional).")
    ),
    "apprentice_aarsvaerk": VariableSpec(
        "int",
        N_("Apprentice full-time years"),
        True,
        2,
        N_("Used by the optional clause that states the target in årsværk (1,924 hours each)."),
    ),
    "municipality": VariableSpec(
        "text",
        N_("Municipality"),
        True,
        "Aarhus Kommune",
        N_("Residents of social housing in this municipality are the target group."),
    ),
    "contract_appendix": VariableSpec(
        "text",
        N_("Appendix number in the contract"),
        False,
        "",
        N_("The number the agreement has as an appendix to the construction contract (optional)."),
    ),
    "precedence": VariableSpec(
        "choice",
        N_("Which document prevails"),
        True,
        "contract",
        N_("Where the agreement and the construction contract disagree."),
        (
            ("contract", N_("The construction contract")),
            ("agreement", N_("This agreement, on its own subject")),
        ),
    ),
    "consequence": VariableSpec(
        "choice",
        N_("Consequence of missing targets"),
        True,
        "best_effort",
        N_("Best effort, in line with the partnership, or a penalty per missing course."),
        (
            ("best_effort", N_("Best effort")),
            ("penalty", N_("Penalty per missing course and apprenticeship")),
        ),
    ),
    "penalty_course": VariableSpec(
        "int",
        N_("Penalty per missing course (DKK)"),
        True,
        10000,
        N_("Used only when the consequence is a penalty."),
        maximum=MAX_PENALTY,
    ),
    "penalty_apprenticeship": VariableSpec(
        "int",
        N_("Penalty per missing apprenticeship (DKK)"),
        True,
        25000,
        N_("Used only when the consequence is a penalty."),
        maximum=MAX_PENALTY,
    ),
    "candidate_weeks": VariableSpec(
        "int",
        N_("Weeks to present candidates"),
        True,
        3,
        N_("Weeks the coordinating unit has to present candidates after an opening is reported."),
    ),
    "kickoff_weeks": VariableSpec(
        "int",
        N_("Kickoff within (weeks)"),
        True,
        4,
        N_("The kickoff meeting is held at the latest this many weeks after the award."),
    ),
    "data_controller": VariableSpec(
        "choice",
        N_("Controller for candidate data"),
        True,
        "coordinator",
        N_("Who is data controller for the candidates' personal data."),
        (
            ("coordinator", N_("The coordinating unit")),
            ("client", N_("The client (the coordinating unit processes on its behalf)")),
        ),
    ),
    "client_contact_name": VariableSpec(
        "text",
        N_("Client contact: name"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "client_contact_role": VariableSpec(
        "text",
        N_("Client contact: role"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "client_contact_phone": VariableSpec(
        "text",
        N_("Client contact: phone"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "client_contact_email": VariableSpec(
        "text",
        N_("Client contact: e-mail"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "contractor_contact_name": VariableSpec(
        "text",
        N_("Contractor contact: name"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "contractor_contact_role": VariableSpec(
        "text",
        N_("Contractor contact: role"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "contractor_contact_phone": VariableSpec(
        "text",
        N_("Contractor contact: phone"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "contractor_contact_email": VariableSpec(
        "text",
        N_("Contractor contact: e-mail"),
        False,
        "",
        N_("Optional; otherwise named at the kickoff meeting."),
    ),
    "trades_budget": VariableSpec(
        "kroner",
        N_("Trades budget (DKK)"),
        False,
        None,
        N_(
            "Prefilled from the project. Whole kroner: all trades costs incl. site costs and "
            "VAT, supported and unsupported parts (as in Skema B). The calculator beside the "
            "targets uses it."
        ),
    ),
    # Set by the server from the admin's coefficient, never typed in the editor; stored with
    # each version so that its text can be traced to the figure it was written with.
    "training_coefficient": VariableSpec(
        "coefficient",
        N_("Training årsværk per DKK million"),
        False,
        "0.06",
        N_("The target calculator's coefficient, set by an administrator."),
    ),
    "training_coefficient_source": VariableSpec(
        "text",
        N_("Source of the coefficient"),
        False,
        "Bygherreforeningens omregningsfaktor: ca. 6 lærlingeårsværk pr. 100 mio. kr. "
        "håndværkerudgifter (1 årsværk = 1.924 timer).",
        N_("Where the coefficient comes from, as the administrator wrote it."),
    ),
    # Derived: computed by the renderer from the values above; clause templates may use them.
    "residents_needed": VariableSpec(
        "derived",
        N_("Residents needed"),
        help=N_("Fewest residents who can meet both targets (the worked example shows how)."),
    ),
    "example_climbs": VariableSpec(
        "derived",
        N_("Worked example"),
        help=N_("The smallest set of climbs that meets both targets, in Danish words."),
    ),
    "example_courses": VariableSpec(
        "derived", N_("Courses in the example"), help=N_("Courses the worked example gives.")
    ),
    "example_apprenticeships": VariableSpec(
        "derived",
        N_("Apprenticeships in the example"),
        help=N_("Apprenticeships the worked example gives."),
    ),
    "ladder_rungs": VariableSpec(
        "derived", N_("Rungs on the ladder"), help=N_("Always 4; each rung counts one course.")
    ),
    "main_contractor_known": VariableSpec(
        "derived",
        N_("Main contractor known"),
        help=N_("True once a main contractor name is filled in."),
    ),
    "aarsvaerk_hours": VariableSpec(
        "derived", N_("Hours per full-time year"), help=N_("1,924 hours in one årsværk.")
    ),
    "apprentice_hours": VariableSpec(
        "derived",
        N_("Apprentice hours"),
        help=N_("apprentice_aarsvaerk times 1,924 hours."),
    ),
    "trades_budget_known": VariableSpec(
        "derived",
        N_("Trades budget known"),
        help=N_("True once a trades budget is filled in."),
    ),
    "training_aarsvaerk_required": VariableSpec(
        "derived",
        N_("Required training årsværk"),
        help=N_("trades_budget in DKK million times the coefficient, one decimal, Danish style."),
    ),
    "training_coefficient_text": VariableSpec(
        "derived",
        N_("Coefficient, Danish style"),
        help=N_("The coefficient written the Danish way, e.g. 0,06."),
    ),
    "apprentices_at_once": VariableSpec(
        "derived",
        N_("Apprentices at once"),
        help=N_(
            "The required training årsværk as apprentices employed at once over the execution "
            "phase, rounded up; 0 without a budget or both phase dates."
        ),
    ),
}

INPUT_VARIABLES = {name: spec for name, spec in VARIABLES.items() if not spec.derived}


def default_values() -> dict[str, Any]:
    """Return the registry defaults for every input variable (fresh lists each call)."""
    return {
        name: list(spec.default) if isinstance(spec.default, list) else spec.default
        for name, spec in INPUT_VARIABLES.items()
    }


def coerce_value(spec: VariableSpec, raw: Any) -> tuple[Any, Message | None]:
    """Turn a raw form or stored value into the variable's type, or explain why it cannot."""
    if spec.kind == "int":
        return _coerce_int(raw, spec.maximum or MAX_INT)
    if spec.kind == "date":
        return _coerce_date(raw)
    if spec.kind == "kroner":
        return _coerce_kroner(raw)
    if spec.kind == "coefficient":
        return _coerce_coefficient(raw)
    if spec.kind == "areas":
        return _coerce_areas(raw)
    if spec.kind == "choice":
        if raw in (None, ""):
            return None, None
        if raw not in {value for value, _ in spec.choices}:
            return None, Message(N_("Choose one of the listed options."))
        return raw, None
    # text
    if raw is None:
        return "", None
    if not isinstance(raw, str):
        return "", Message(N_("Enter text."))
    return raw.strip(), _text_problem(raw)


def _text_problem(text: str) -> Message | None:
    if ILLEGAL_CHARS.search(text):
        return Message(N_("The text contains characters a Word document cannot hold."))
    if len(text) > MAX_TEXT:
        return Message(N_("Enter at most %(max)s characters."), {"max": MAX_TEXT})
    return None


def _coerce_int(raw: Any, maximum: int = MAX_INT) -> tuple[int | None, Message | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, bool):
        return None, Message(N_("Enter a whole number."))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        raw = int(raw)
    if not isinstance(raw, int):
        return None, Message(N_("Enter a whole number."))
    if raw < 0:
        return None, Message(N_("Enter a whole number of 0 or more."))
    if raw > maximum:
        return None, Message(N_("Enter a number no larger than %(max)s."), {"max": maximum})
    return raw, None


def _coerce_kroner(raw: Any) -> tuple[int | None, Message | None]:
    if isinstance(raw, bool):
        return None, Message(N_("Enter the amount in whole kroner, for example 45.000.000."))
    if isinstance(raw, int):
        if 0 <= raw <= MAX_BUDGET:
            return raw, None
        raw = str(raw)
    if raw is not None and not isinstance(raw, str):
        return None, Message(N_("Enter the amount in whole kroner, for example 45.000.000."))
    value, problem = parse_kroner(raw)
    return value, Message(problem) if problem else None


def _coerce_coefficient(raw: Any) -> tuple[str | None, Message | None]:
    """A coefficient kept as text ('0.06'), so that a stored draft stays JSON."""
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None, Message(
            N_("Enter a number of 0 or more with at most four decimals, e.g. 0,06.")
        )
    value, problem = parse_coefficient(str(raw))
    if problem:
        return None, Message(problem)
    return format(value.normalize(), "f"), None


def _coerce_date(raw: Any) -> tuple[dt.date | None, Message | None]:
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip()), None
        except ValueError:
            pass
    return None, Message(N_("Enter a date as YYYY-MM-DD."))


def _coerce_areas(raw: Any) -> tuple[list[str], Message | None]:
    if raw is None:
        return [], None
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list | tuple) or not all(isinstance(item, str) for item in raw):
        return [], Message(N_("Enter one housing area per line."))
    areas = [item.strip() for item in raw if item.strip()]
    for area in areas:
        problem = _text_problem(area)
        if problem:
            return areas, problem
    return areas, None
