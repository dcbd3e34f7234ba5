"""The standard kickoff questions: loaded from agreement_templates/kickoff/questions.toml and
answered with the project's agreement values. No Flask here.

Before the client approves a version there are no agreed values: the answers and the agenda are
then filled in with the library's defaults and the project's own facts (never a draft's values),
and ``agreement_approved`` is false so the texts can say that the targets are not settled.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError, meta

from app.agreements.document import build_context, unprotect
from app.agreements.library import DEFAULT_DIR, LibraryError, make_environment
from app.agreements.variables import INPUT_VARIABLES, VARIABLES, coerce_value, default_values

QUESTIONS_FILE = Path("kickoff") / "questions.toml"
AGENDA_FILE = Path("kickoff") / "agenda.txt"
# Besides the agreement's variables, the kickoff texts may test whether it is approved.
KICKOFF_VARIABLES = frozenset(VARIABLES) | {"agreement_approved"}


@dataclass(frozen=True)
class StandardQuestion:
    key: str
    order: int
    question: str
    answer_template: str


@dataclass(frozen=True)
class QuestionLibrary:
    questions: tuple[StandardQuestion, ...]
    errors: tuple[LibraryError, ...]


def load_questions(root: Path | str = DEFAULT_DIR) -> QuestionLibrary:
    """Load and check the standard questions; a broken entry is reported, never raised."""
    path = Path(root) / QUESTIONS_FILE
    errors: list[LibraryError] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        return QuestionLibrary((), (LibraryError(str(path.name), line, str(exc)),))
    env = make_environment()
    source = path.read_text(encoding="utf-8")
    questions = []
    for entry in data.get("question", []):
        key = str(entry.get("key", "?"))
        line = next((i for i, text in enumerate(source.splitlines(), 1) if key in text), 0)
        try:
            question = StandardQuestion(
                key=key,
                order=int(entry["order"]),
                question=str(entry["question"]).strip(),
                answer_template=str(entry["answer"]).strip(),
            )
            unknown = meta.find_undeclared_variables(env.parse(question.answer_template))
            unknown -= KICKOFF_VARIABLES
            if unknown:
                raise ValueError(f"unknown variable {{{{ {sorted(unknown)[0]} }}}}")
        except (KeyError, ValueError, TypeError, TemplateError) as exc:
            errors.append(LibraryError(path.name, line, f"question {key}: {exc}"))
            continue
        questions.append(question)
    questions.sort(key=lambda q: q.order)
    return QuestionLibrary(tuple(questions), tuple(errors))


def answer_values(agreement_values: dict | None, **known) -> dict:
    """The values answers are filled in with: the approved agreement's (pass None before
    approval), then the project's known facts, over the library's defaults."""
    values = default_values() | (agreement_values or {}) | {k: v for k, v in known.items() if v}
    return {name: coerce_value(spec, values.get(name))[0] for name, spec in INPUT_VARIABLES.items()}


def _context(values: dict, approved: bool) -> dict:
    return build_context(values) | {"agreement_approved": approved}


def render_answer(question: StandardQuestion, values: dict, approved: bool = True) -> str:
    env = make_environment()
    text = env.from_string(question.answer_template).render(_context(values, approved))
    return unprotect(" ".join(text.split()))


def default_agenda(values: dict, approved: bool = True, root: Path | str = DEFAULT_DIR) -> str:
    """The kickoff agenda filled in from the agreement: one item per line."""
    source = (Path(root) / AGENDA_FILE).read_text(encoding="utf-8")
    env, context = make_environment(), _context(values, approved)
    lines = (env.from_string(line).render(context) for line in source.splitlines() if line.strip())
    return "\n".join(unprotect(" ".join(line.split())) for line in lines)
