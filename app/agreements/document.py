"""Draft an agreement: the drafter's choices, their validation, and rendering to a document.

Values are data, never code: every text value is *protected* before it enters a template (its
braces and brackets swapped for reserved Unicode noncharacters, and a marker put in front), so
a value can neither be evaluated by Jinja, nor look like a placeholder, a ``[[marker]]`` or a
bullet, and the renderer can still prove that the *template* left nothing unfilled.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from app.agreements import danish
from app.agreements.document_model import (
    AgreementDocument,
    Block,
    Bullets,
    LadderTable,
    Paragraph,
    Section,
    SignatureParty,
    Signatures,
    SubHeading,
    to_html,
    to_text,
)
from app.agreements.example import describe, worked_example
from app.agreements.library import MARKERS, REF_PATTERN, VALUE_START, Library
from app.agreements.variables import (
    HOURS_PER_AARSVAERK,
    ILLEGAL_CHARS,
    INPUT_VARIABLES,
    LADDER_RUNGS,
    N_,
    VARIABLES,
    Message,
    coerce_value,
    default_values,
)
from app.training import DEFAULT_COEFFICIENT, calculate, danish_decimal, parse_coefficient

__all__ = [
    "AgreementDocument",
    "ClauseChoice",
    "Draft",
    "RenderError",
    "default_draft",
    "render",
    "to_html",
    "to_text",
    "validate_draft",
]

# Written where a main contractor has not been chosen yet (before the award).
UNKNOWN_CONTRACTOR = "den vindende hovedentreprenør"
# Character sequences that would mean a template left something unfilled.
PLACEHOLDER_TOKENS = ("{{", "}}", "{%", "%}", "{#", "#}", "[[", "]]")
MAX_OVERRIDE = 20_000
_PROTECT = str.maketrans({"{": "\ufdd0", "}": "\ufdd1", "[": "\ufdd2", "]": "\ufdd3"})
_UNPROTECT = str.maketrans({"\ufdd0": "{", "\ufdd1": "}", "\ufdd2": "[", "\ufdd3": "]"})
_ALWAYS_USED = frozenset({"project_name", "client_name", "main_contractor_name"})
# What an override may insert: {{ name }} with a variable that prints as words or a number
# (not a yes/no or the counting rule's key).
OVERRIDE_VARIABLES = tuple(
    name
    for name in VARIABLES
    if name not in ("main_contractor_known", "count_rule", "trades_budget_known")
)
_OVERRIDE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_TEMPLATE_TOKENS = ("{{", "}}", "{%", "%}", "{#", "#}")
# A cross-reference between rendering and numbering: \ufdd5key.N\ufdd6.
_REF_OPEN, _REF_CLOSE = "\ufdd5", "\ufdd6"
_PENDING_REF = re.compile(f"{_REF_OPEN}([a-z][a-z0-9_]*)\\.(\\d+){_REF_CLOSE}")
# Strong right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation
# forms). A value holding one is wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE so
# the words and dates around it keep their order in Word, LibreOffice and browsers.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdcf\ufdf0-\ufdff\ufe70-\ufefc]")
FSI, PDI = "\u2068", "\u2069"


class RenderError(Exception):
    """The library or an override produced text that cannot go into an agreement."""


@dataclass
class ClauseChoice:
    key: str
    enabled: bool = True
    override: str | None = None  # replaces the clause body; same markup and placeholders


@dataclass
class Draft:
    values: dict[str, Any]
    clauses: list[ClauseChoice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (dates as ISO strings) for storing the draft."""
        values = {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in self.values.items()
        }
        clauses = [
            {"key": c.key, "enabled": c.enabled, "override": c.override} for c in self.clauses
        ]
        return {"values": values, "clauses": clauses}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        return cls(
            values=dict(data.get("values", {})),
            clauses=[ClauseChoice(**choice) for choice in data.get("clauses", [])],
        )


def default_draft(library: Library, **known_values: Any) -> Draft:
    """Return a draft with every default value and the library's clauses in library order."""
    unknown = set(known_values) - set(INPUT_VARIABLES)
    if unknown:
        raise ValueError(f"unknown variables: {', '.join(sorted(unknown))}")
    values = default_values() | known_values
    clauses = [ClauseChoice(c.key, c.default_enabled, None) for c in library.clauses]
    return Draft(values=values, clauses=clauses)


def add_new_clauses(library: Library, draft: Draft) -> Draft:
    """Return the draft with clauses added to the library since it was saved (at their place)."""
    present = {choice.key for choice in draft.clauses}
    clauses = list(draft.clauses)
    for clause in library.clauses:
        if clause.key in present:
            continue
        position = next(
            (
                index
                for index, choice in enumerate(clauses)
                if (other := library.get(choice.key)) and other.order > clause.order
            ),
            len(clauses),
        )
        clauses.insert(position, ClauseChoice(clause.key, clause.default_enabled, None))
    return replace(draft, clauses=clauses)


# --- validation ------------------------------------------------------------------------------


def validate_draft(library: Library, draft: Draft) -> dict[str, list[Message]]:
    """Return problems by field: a variable name, ``override:<key>`` or ``clauses``.

    Each problem is a ``Message``; show it with ``message.format(gettext)``. An empty dict
    means ``render`` will succeed.
    """
    errors: dict[str, list[Message]] = {}

    def add(name: str, message: Message) -> None:
        errors.setdefault(name, []).append(message)

    values: dict[str, Any] = {}
    for name, spec in INPUT_VARIABLES.items():
        value, problem = coerce_value(spec, draft.values.get(name, spec.default))
        values[name] = value
        if problem:
            add(name, problem)
    for name in draft.values:
        if name not in INPUT_VARIABLES:
            add(name, Message(N_("Unknown field %(name)s."), {"name": name}))

    _validate_clauses(library, draft, add)
    used = set(_ALWAYS_USED)
    for choice in draft.clauses:
        clause = library.get(choice.key)
        if clause and choice.enabled:
            used.update(clause.variables)

    for name, spec in INPUT_VARIABLES.items():
        if spec.required and name in used and name not in errors and _empty(values[name]):
            if spec.kind == "areas":
                add(name, Message(N_("Enter at least one housing area.")))
            else:
                add(name, Message(N_("This field is required.")))

    _cross_checks(values, add)
    _validate_overrides(library, draft, values, add)
    return errors


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _validate_clauses(library: Library, draft: Draft, add) -> None:
    seen: set[str] = set()
    for choice in draft.clauses:
        clause = library.get(choice.key)
        if clause is None:
            add("clauses", Message(N_("Unknown clause %(clause)s."), {"clause": choice.key}))
        elif choice.key in seen:
            add(
                "clauses",
                Message(N_("The clause %(clause)s appears twice."), {"clause": clause.title}),
            )
        elif clause.required and not choice.enabled:
            add(
                "clauses",
                Message(
                    N_("The clause %(clause)s is required and cannot be switched off."),
                    {"clause": clause.title},
                ),
            )
        seen.add(choice.key)
    for clause in library.clauses:
        if clause.required and clause.key not in seen:
            add(
                "clauses",
                Message(N_("The required clause %(clause)s is missing."), {"clause": clause.title}),
            )


def _cross_checks(values: dict[str, Any], add) -> None:
    apprenticeships, courses = values["apprenticeships_min"], values["courses_min"]
    if apprenticeships is not None and courses is not None and courses < apprenticeships:
        add(
            "courses_min",
            Message(
                N_(
                    "Every apprenticeship is also a course, so the course target cannot be "
                    "below the apprenticeship target."
                )
            ),
        )
    low, high = values["internship_weeks_min"], values["internship_weeks_max"]
    if low is not None and high is not None and low > high:
        add(
            "internship_weeks_max",
            Message(N_("The longest internship cannot be shorter than the shortest.")),
        )
    start, end = values["execution_start"], values["execution_end"]
    if start is not None and end is not None and end < start:
        add("execution_end", Message(N_("The execution phase cannot end before it starts.")))


def _validate_overrides(library: Library, draft: Draft, values: dict[str, Any], add) -> None:
    """Overrides are the drafter's own words, taken literally (only the bullet markup and the
    ``[[...]]`` marker lines have a meaning); check that Word can hold them."""
    context = None
    for choice in draft.clauses:
        text = choice.override
        if not text or not text.strip() or library.get(choice.key) is None:
            continue
        name = f"override:{choice.key}"
        if ILLEGAL_CHARS.search(text):
            add(name, Message(N_("The text contains characters a Word document cannot hold.")))
            continue
        if len(text) > MAX_OVERRIDE:
            add(name, Message(N_("Enter at most %(max)s characters."), {"max": MAX_OVERRIDE}))
            continue
        if override_problem(text):
            add(
                name,
                Message(
                    N_(
                        "Curly braces can only insert a value, written as {{ name }} with one of "
                        "these names: %(names)s."
                    ),
                    {"names": ", ".join(OVERRIDE_VARIABLES)},
                ),
            )
            continue
        if context is None:
            context = build_context(values)
        try:
            _render_body(library, literal_template(text), context)
        except RenderError:
            add(name, Message(N_("Write the clause's text, or leave the field empty.")))


# --- rendering -------------------------------------------------------------------------------


def protect(text: str) -> str:
    """Mark a drafter's value so templates treat it as inert text (see module docstring)."""
    if not text:
        return ""
    text = " ".join(text.replace("\r\n", "\n").split("\n"))
    return VALUE_START + isolate(text).translate(_PROTECT)


def isolate(text: str) -> str:
    """Wrap text holding right-to-left letters in a bidi isolate (FSI … PDI)."""
    if text and _RTL.search(text) and not text.startswith(FSI):
        return FSI + text + PDI
    return text


def override_problem(text: str) -> bool:
    """True when an override holds template code other than ``{{ name }}`` with a name from
    OVERRIDE_VARIABLES: it would reach the document reading like an unfilled placeholder."""
    rest = _OVERRIDE_PLACEHOLDER.sub(
        lambda m: "" if m.group(1) in OVERRIDE_VARIABLES else m.group(0), text
    )
    return any(token in rest for token in _TEMPLATE_TOKENS)


def _override_line(line: str) -> str:
    out, position = [], 0
    for match in _OVERRIDE_PLACEHOLDER.finditer(line):
        name = match.group(1)
        if name not in OVERRIDE_VARIABLES:
            continue
        out.append(line[position : match.start()].translate(_PROTECT))
        out.append(
            "{{ housing_areas|join_and }}" if name == "housing_areas" else f"{{{{ {name} }}}}"
        )
        position = match.end()
    out.append(line[position:].translate(_PROTECT))
    return "".join(out)


def literal_template(text: str) -> str:
    """A drafter's override as a template that prints it literally, except ``{{ name }}`` with a
    known variable, which is filled in: every other brace and bracket is protected on every line
    except the marker lines (``[[ladder_table]]``, ``[[signatures]]``)."""
    return "\n".join(
        line if line.strip(" \t") in MARKERS else _override_line(line)
        for line in text.replace("\r\n", "\n").split("\n")
    )


_PROTECTED = re.compile("[\ufdd0-\ufdd4]")


def unprotect(text: str) -> str:
    if not _PROTECTED.search(text):  # most text holds no value: skip the slow translate
        return text
    return text.replace(VALUE_START, "").translate(_UNPROTECT)


def residents_needed(apprenticeships: int, courses: int) -> int:
    """Fewest residents who can meet both targets (at most four courses each, and one
    apprenticeship each at most); the worked example shows how."""
    return max(apprenticeships, math.ceil(max(courses, apprenticeships) / LADDER_RUNGS))


def build_context(values: dict[str, Any]) -> dict[str, Any]:
    """Return the template context from coerced values: protected text plus derived values."""
    context: dict[str, Any] = {}
    for name, spec in INPUT_VARIABLES.items():
        value = values.get(name)
        if spec.kind == "text":
            context[name] = protect(value or "")
        elif spec.kind == "areas":
            context[name] = [protect(area) for area in value or []]
        elif spec.kind == "date":
            context[name] = danish.format_date(value) if value else ""
        elif spec.kind == "int":
            context[name] = value if isinstance(value, int) else (spec.default or 0)
        else:
            context[name] = value if value is not None else spec.default
    context["main_contractor_known"] = bool(context["main_contractor_name"])
    if not context["main_contractor_name"]:
        context["main_contractor_name"] = UNKNOWN_CONTRACTOR
    example = worked_example(context["apprenticeships_min"], context["courses_min"])
    context["residents_needed"] = example.residents
    context["example_climbs"] = describe(example)
    context["example_courses"] = example.courses
    context["example_apprenticeships"] = example.apprenticeships
    context["ladder_rungs"] = LADDER_RUNGS
    context["aarsvaerk_hours"] = HOURS_PER_AARSVAERK
    context["apprentice_hours"] = context["apprentice_aarsvaerk"] * HOURS_PER_AARSVAERK
    context.update(_training_context(values))
    return context


def _training_context(values: dict[str, Any]) -> dict[str, Any]:
    """The target calculator's figures for the årsværk clause (see app/training.py)."""
    budget = values.get("trades_budget")
    budget = budget if isinstance(budget, int) and not isinstance(budget, bool) else None
    coefficient, _problem = parse_coefficient(values.get("training_coefficient") or "")
    coefficient = coefficient if coefficient is not None else DEFAULT_COEFFICIENT
    start, end = values.get("execution_start"), values.get("execution_end")
    dated = isinstance(start, dt.date) and isinstance(end, dt.date)
    calc = calculate(budget, coefficient, start if dated else None, end if dated else None, 0)
    return {
        "trades_budget": budget if budget is not None else 0,
        "trades_budget_known": budget is not None,
        "training_aarsvaerk_required": danish_decimal(calc.required or 0, 1),
        "training_coefficient_text": danish_decimal(coefficient),
        "apprentices_at_once": calc.at_once_whole or 0,
    }


def render(library: Library, draft: Draft) -> AgreementDocument:
    """Render the enabled clauses, numbered 1..n in the drafter's order.

    Call ``validate_draft`` first: values that do not coerce fall back to defaults here, and a
    broken override or library template raises ``RenderError``.
    """
    if library.document is None:
        raise RenderError("the clause library has no valid document.toml")
    values = {
        name: coerce_value(spec, draft.values.get(name, spec.default))[0]
        for name, spec in INPUT_VARIABLES.items()
    }
    context = build_context(values)
    parts = library.document
    sections = []
    for choice in draft.clauses:
        clause = library.get(choice.key)
        if clause is None or not choice.enabled:
            continue
        if choice.override and choice.override.strip():
            if override_problem(choice.override):
                raise RenderError(f"the adapted clause {clause.key} holds template code")
            source = literal_template(choice.override)
            blocks = _clause_blocks(library, source, source, context)
        else:
            blocks = _clause_blocks(library, clause.body, clause.template, context)
        sections.append(Section(len(sections) + 1, clause.key, clause.title, blocks))
    sections = _number_paragraphs(sections)
    return AgreementDocument(
        title=_render_line(parts.title, context),
        subtitle=_render_line(parts.subtitle, context),
        header=_render_line(parts.header, context),
        sections=tuple(sections),
    )


def _number_paragraphs(sections: list[Section]) -> list[Section]:
    """Number every paragraph "clause.paragraph" (6.2) and turn the cross-references into
    those numbers, remembering where each one stands for Word's REF fields."""
    numbers: dict[tuple[str, int], str] = {}
    first: dict[str, tuple[str, int]] = {}
    for section in sections:
        count = 0
        for block in section.blocks:
            if type(block) is Paragraph:
                count += 1
                numbers[(section.key, count)] = f"{section.number}.{count}"
                if count == 1:
                    first[section.key] = (section.key, 1)
    cited: set[tuple[str, int]] = set()
    refs = _References(sections, numbers, first, cited)

    numbered: list[tuple[Section, list]] = []
    for section in sections:
        blocks: list = []
        count = 0
        for block in section.blocks:
            kind = type(block)
            if kind is Paragraph:
                count += 1
                blocks.append([*refs.resolve(block.text), count])
            elif kind is Bullets:
                if any(_REF_OPEN in item for item in block.items):
                    block = Bullets(tuple(refs.resolve(item)[0] for item in block.items))
                blocks.append(block)
            elif kind is SubHeading and _REF_OPEN in block.text:
                blocks.append(SubHeading(refs.resolve(block.text)[0]))
            else:
                blocks.append(block)
        numbered.append((section, blocks))
    result = []
    for section, blocks in numbered:
        key = section.key
        final = tuple(
            Paragraph(
                item[0],
                numbers[(key, item[2])],
                _anchor(key, item[2]) if (key, item[2]) in cited else "",
                item[1],
            )
            if type(item) is list
            else item
            for item in blocks
        )
        result.append(Section(section.number, key, section.title, final))
    return result


class _References:
    """Turns pending cross-references into paragraph numbers (a plain class, not closures:
    closures would make reference cycles for the garbage collector on every render)."""

    def __init__(self, sections, numbers, first, cited):
        self.sections, self.numbers, self.first, self.cited = sections, numbers, first, cited

    def target(self, key: str, index: int) -> tuple[str, str]:
        """(number, anchor) of the cited paragraph; its clause's first paragraph or heading
        when an adapted clause has fewer paragraphs."""
        found = (key, index) if (key, index) in self.numbers else self.first.get(key)
        if found is not None:
            self.cited.add(found)
            return self.numbers[found], _anchor(*found)
        section = next((s for s in self.sections if s.key == key), None)
        if section is None:
            raise RenderError(f"a cross-reference names the clause {key}, which is switched off")
        return str(section.number), section.anchor

    def resolve(self, text: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
        if _REF_OPEN not in text:
            return text, ()
        out, refs, position, length = [], [], 0, 0
        for match in _PENDING_REF.finditer(text):
            piece = text[position : match.start()]
            out.append(piece)
            length += len(piece)
            number, anchor = self.target(match.group(1), int(match.group(2)))
            refs.append((length, length + len(number), anchor))
            out.append(number)
            length += len(number)
            position = match.end()
        out.append(text[position:])
        return "".join(out), tuple(refs)


def _anchor(key: str, index: int) -> str:
    return f"pkt_{key}_{index}"[:40]


def _fill(template, context: dict[str, Any]) -> str:
    try:
        text = template.render(context)
    except TemplateError as exc:
        raise RenderError(str(exc)) from exc
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise RenderError(f"{type(exc).__name__}: {exc}") from exc
    return text


def _check_unfilled(text: str) -> None:
    for token in PLACEHOLDER_TOKENS:
        if token in text:
            raise RenderError(f"unfilled placeholder {token!r} in the output")


def _render_line(template, context: dict[str, Any]) -> str:
    text = _fill(template, context)
    _check_unfilled(text)
    return unprotect(" ".join(line.strip(" \t") for line in text.split("\n") if line.strip()))


# Rendered clauses a worker keeps (about 2 KB each): a drafter's session touches a few dozen.
RENDERED_KEPT = 2_000


def _clause_blocks(library: Library, source: str, template, context: dict[str, Any]):
    """A clause's blocks, rendered once per clause text and values it reads, then kept by the
    library: the live preview renders the whole agreement on every keystroke, while a change
    of one value changes only the clauses that read it (a block marker's templates count as
    read by the clause that holds it: `Library.referenced`). A clause whose names are not
    known is rendered every time; a failure is never kept."""
    key = _rendered_key(library, source, context)
    if key is None:
        return _render_body(library, template, context)
    blocks = library.rendered.get(key)
    if blocks is None:
        blocks = _render_body(library, template, context)
        if len(library.rendered) >= RENDERED_KEPT:
            library.rendered.clear()
        library.rendered[key] = blocks
    return blocks


def _rendered_key(library: Library, source: str, context: dict[str, Any]) -> tuple | None:
    names = library.referenced(source)
    if names is None:
        return None
    try:
        key = (source, tuple(_frozen(context[name]) for name in names))
        hash(key)
    except (KeyError, TypeError):  # a name the context lacks fails in the render, as before
        return None
    return key


def _frozen(value):
    if type(value) is list or type(value) is tuple:
        return tuple(_frozen(item) for item in value)
    if type(value) is dict:
        return tuple(sorted((name, _frozen(item)) for name, item in value.items()))
    return value


def _render_body(library: Library, template, context: dict[str, Any]) -> tuple[Block, ...]:
    if isinstance(template, str):
        try:
            template = library.compile(template)
        except TemplateSyntaxError as exc:
            raise RenderError(f"line {exc.lineno}: {exc.message}") from exc
    text = REF_PATTERN.sub(
        lambda m: f"{_REF_OPEN}{m.group(1)}.{m.group(2)}{_REF_CLOSE}", _fill(template, context)
    )
    blocks: list[Block] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph(unprotect(" ".join(paragraph))))
            paragraph.clear()
        if bullets:
            blocks.append(Bullets(tuple(unprotect(item) for item in bullets)))
            bullets.clear()

    for raw in text.split("\n"):
        line = raw.strip(" \t")
        if not line:
            flush()
        elif line in MARKERS:
            flush()
            blocks.append(_marker_block(library, line, context))
        else:
            _check_unfilled(line)
            if line.startswith("- ") or line == "-":
                if paragraph:
                    flush()
                bullets.append(line[2:])
            elif line.startswith("### "):
                flush()
                blocks.append(SubHeading(unprotect(line[4:])))
            elif bullets:
                bullets[-1] += " " + line  # a wrapped bullet continues on the next line
            else:
                paragraph.append(line)
    flush()
    if not blocks:
        raise RenderError("the clause text is empty")
    return tuple(blocks)


def _marker_block(library: Library, marker: str, context: dict[str, Any]) -> Block:
    parts = library.document
    if marker == "[[ladder_table]]":
        rows = tuple(
            tuple(_render_line(cell, context) for cell in row) for row in parts.ladder_rows
        )
        return LadderTable(parts.ladder_header, rows)
    parties = tuple(
        SignatureParty(_render_line(role, context), _render_line(name, context))
        for role, name in parts.signature_parties
    )
    return Signatures(parties, parts.signature_lines)
