"""Load the clause library in agreement_templates/ and report every broken file precisely.

A clause file is TOML front matter between two ``+++`` lines, then a Jinja2 body written in the
small markup described in agreement_templates/README.md. Loading never raises: a broken file is
skipped and described in ``Library.errors`` with its file name and line number.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from app.agreements import danish
from app.agreements.variables import VARIABLES

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "agreement_templates"
CLAUSE_SUFFIX = ".clause"
DOCUMENT_FILE = "document.toml"
MARKERS = ("[[ladder_table]]", "[[signatures]]")
# A numbered cross-reference inside a paragraph: [[ref:validity.2]] is paragraph 2 of the
# clause "validity" ("6.2" in the document; a REF field in Word).
REF_PATTERN = re.compile(r"\[\[ref:([a-z][a-z0-9_]*)\.([1-9][0-9]?)\]\]")
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# Marks the start of every drafter-supplied text value inside rendered text (see document.py).
VALUE_START = "\ufdd4"

_META_TYPES: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "title": str,
    "title_en": str,
    "order": int,
    "required": bool,
    "variables": list,
    "help": str,
    "help_en": str,
}
_META_OPTIONAL: dict[str, type] = {"default_enabled": bool}
_MAX_REPEAT = 100_000


@dataclass(frozen=True)
class LibraryError:
    """One problem in one library file; ``line`` counts lines of the file from 1."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Clause:
    key: str
    title: str
    title_en: str
    order: int
    required: bool
    default_enabled: bool
    variables: tuple[str, ...]
    help: str
    help_en: str
    body: str
    file: str
    template: Any = field(repr=False, compare=False)


@dataclass(frozen=True)
class DocumentParts:
    """Compiled templates from document.toml: title, header and the two block markers."""

    title: Any
    subtitle: Any
    header: Any
    ladder_header: tuple[str, ...]
    ladder_rows: tuple[tuple[Any, ...], ...]
    signature_parties: tuple[tuple[Any, Any], ...]
    signature_lines: tuple[str, ...]
    # The names each block marker's templates read from the context.
    marker_names: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)


@dataclass
class Library:
    clauses: list[Clause]
    errors: list[LibraryError]
    document: DocumentParts | None
    env: SandboxedEnvironment = field(repr=False)
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False)
    _referenced: dict[str, tuple[str, ...] | None] = field(
        default_factory=dict, repr=False, compare=False
    )
    # A clause's rendered blocks, by its text and the values it reads (document.py).
    rendered: dict[tuple, tuple] = field(default_factory=dict, repr=False, compare=False)

    def get(self, key: str) -> Clause | None:
        return next((clause for clause in self.clauses if clause.key == key), None)

    @property
    def keys(self) -> list[str]:
        return [clause.key for clause in self.clauses]

    def compile(self, text: str):
        """Compile an override text (cached: the live preview re-renders on every keystroke)."""
        template = self._compiled.get(text)
        if template is None:
            if len(self._compiled) > 256:
                self._compiled.clear()
            template = self._compiled[text] = self.env.from_string(text)
        return template

    def referenced(self, text: str) -> tuple[str, ...] | None:
        """The names a clause text reads from the context, sorted (the environment's globals
        left out), or None where that is not known: a text that does not parse, or holds a
        block marker whose templates (document.toml) are missing. The names a block marker's
        templates read count as read by the text that holds it."""
        if text in self._referenced:
            return self._referenced[text]
        markers = {line.strip(" \t") for line in text.split("\n")} & set(MARKERS)
        try:
            found = set(meta.find_undeclared_variables(self.env.parse(text)))
        except TemplateSyntaxError:
            names = None
        else:
            known = self.document.marker_names if self.document is not None else {}
            if all(marker in known for marker in markers):
                for marker in markers:
                    found |= known[marker]
                names = tuple(sorted(name for name in found if name not in self.env.globals))
            else:
                names = None
        if len(self._referenced) > 256:
            self._referenced.clear()
        self._referenced[text] = names
        return names


class AgreementEnvironment(SandboxedEnvironment):
    """Sandboxed Jinja for clause and override templates.

    Output goes into Word runs and the plain-text export as literal text, so no autoescaping
    (the HTML export escapes on its own). Repetition ('x' * n) is capped so a drafter's
    override cannot exhaust memory.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int) and right > 64:
            raise OverflowError("exponent too large")
        if operator == "*" and isinstance(right, int) and right > _MAX_REPEAT:
            raise OverflowError("repetition too large")
        if operator == "*" and isinstance(left, int) and left > _MAX_REPEAT:
            raise OverflowError("repetition too large")
        return super().call_binop(context, operator, left, right)


def make_environment() -> AgreementEnvironment:
    env = AgreementEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        join_and=danish.join_and,
        words=danish.number_words,
        number=danish.format_number,
        capfirst=_capfirst,
    )
    return env


def _capfirst(text: str) -> str:
    text = str(text)
    start = 1 if text.startswith(VALUE_START) else 0
    return text[:start] + text[start : start + 1].upper() + text[start + 1 :]


def load_library(path: Path | str = DEFAULT_DIR) -> Library:
    """Load every clause file under ``path/clauses`` and ``path/document.toml``; never raise."""
    path = Path(path)
    env = make_environment()
    errors: list[LibraryError] = []
    clauses: list[Clause] = []
    seen: dict[str, str] = {}
    for file in sorted((path / "clauses").glob(f"*{CLAUSE_SUFFIX}")):
        clause = _load_clause(env, file, errors)
        if clause is None:
            continue
        if clause.key in seen:
            errors.append(
                LibraryError(
                    file.name, 1, f"key {clause.key!r} is already used by {seen[clause.key]}"
                )
            )
            continue
        seen[clause.key] = file.name
        clauses.append(clause)
    clauses.sort(key=lambda clause: (clause.order, clause.key))
    clauses = _check_references(clauses, errors, path / "clauses")
    document = _load_document(env, path / DOCUMENT_FILE, errors)
    return Library(clauses=clauses, errors=errors, document=document, env=env)


def _load_clause(env, file: Path, errors: list[LibraryError]) -> Clause | None:
    name = file.name

    def fail(line: int, message: str) -> None:
        errors.append(LibraryError(name, line, message))

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(1, f"cannot read file: {exc}")
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "+++":
        fail(1, "the file must start with a '+++' line opening the front matter")
        return None
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if close is None:
        fail(1, "the front matter is not closed by a second '+++' line")
        return None
    front_lines = lines[1:close]
    try:
        data = tomllib.loads("\n".join(front_lines))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        fail(int(match.group(1)) + 1 if match else 1, f"front matter is not valid TOML: {exc}")
        return None

    def key_line(key: str) -> int:
        for index, line in enumerate(front_lines):
            if re.match(rf"\s*{re.escape(key)}\s*=", line):
                return index + 2
        return 1

    problems = _check_metadata(data)
    if problems:
        for key, message in problems:
            fail(key_line(key), message)
        return None
    declared = tuple(data["variables"])
    for variable in declared:
        if variable not in VARIABLES:
            fail(key_line("variables"), f"unknown variable {variable!r} in variables")
            return None

    body_lines = lines[close + 1 :]
    offset = close + 1  # file line of body line k (1-based) is k + offset
    body = "\n".join(body_lines).strip("\n")
    offset += next((i for i, line in enumerate(body_lines) if line.strip()), 0)
    if not body.strip():
        fail(close + 1, "the clause has no text after the front matter")
        return None
    marker_problem = check_markers(body)
    if marker_problem:
        fail(marker_problem[0] + offset, marker_problem[1])
        return None
    try:
        ast = env.parse(body)
    except TemplateSyntaxError as exc:
        fail((exc.lineno or 1) + offset, f"template syntax error: {exc.message}")
        return None
    for variable, line in undeclared_names(ast):
        if variable in declared:
            continue
        if variable in VARIABLES:
            message = f"{{{{ {variable} }}}} is used but not listed in the front matter variables"
        else:
            message = f"unknown variable {{{{ {variable} }}}}"
        fail(line + offset, message)
        return None
    required = data["required"]
    return Clause(
        key=data["key"],
        title=data["title"],
        title_en=data["title_en"],
        order=data["order"],
        required=required,
        default_enabled=True if required else data.get("default_enabled", True),
        variables=declared,
        help=data["help"],
        help_en=data["help_en"],
        body=body,
        file=name,
        template=env.from_string(body),
    )


def _check_references(
    clauses: list[Clause], errors: list[LibraryError], folder: Path
) -> list[Clause]:
    """Drop a clause whose cross-reference names a clause that is missing or optional (a
    reference must always have somewhere to point)."""
    required = {clause.key for clause in clauses if clause.required}
    kept = []
    for clause in clauses:
        bad = next(
            (m for m in REF_PATTERN.finditer(clause.body) if m.group(1) not in required), None
        )
        if bad is None:
            kept.append(clause)
            continue
        text = (folder / clause.file).read_text(encoding="utf-8").replace("\r\n", "\n")
        line = text[: text.find(bad.group(0))].count("\n") + 1
        errors.append(
            LibraryError(
                clause.file,
                line,
                f"{bad.group(0)} must name a required clause of the library",
            )
        )
    return kept


def _check_metadata(data: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    missing = [key for key in _META_TYPES if key not in data]
    if missing:
        problems.append(("+++", f"front matter is missing {', '.join(missing)}"))
    for key, kind in _META_TYPES.items():
        if key not in data:
            continue
        if not isinstance(data[key], kind) or (kind is int and isinstance(data[key], bool)):
            problems.append((key, f"{key!r} must be a {kind.__name__}"))
    for key, kind in _META_OPTIONAL.items():
        if key in data and not isinstance(data[key], kind):
            problems.append((key, f"{key!r} must be a {kind.__name__}"))
    for key in data:
        if key not in _META_TYPES and key not in _META_OPTIONAL:
            problems.append((key, f"unknown front matter key {key!r}"))
    if not problems:
        if not KEY_PATTERN.fullmatch(data["key"]):
            problems.append(("key", "key must be lower-case letters, digits and underscores"))
        if not all(isinstance(v, str) for v in data["variables"]):
            problems.append(("variables", "variables must be a list of names"))
        if not data["title"].strip():
            problems.append(("title", "title must not be empty"))
    return problems


def check_markers(body: str) -> tuple[int, str] | None:
    """Return (line, message) for a misplaced or unknown ``[[...]]`` marker, else None."""
    for number, line in enumerate(body.split("\n"), start=1):
        stripped = line.strip()
        if stripped in MARKERS:
            continue
        stripped = REF_PATTERN.sub("", stripped)
        if "[[" in stripped or "]]" in stripped:
            known = ", ".join(MARKERS)
            return number, (
                f"markers must stand alone on a line and be one of {known}; "
                "a cross-reference is written [[ref:<clause key>.<paragraph>]]"
            )
    return None


def undeclared_names(ast: nodes.Template) -> list[tuple[str, int]]:
    """Return (name, line) for each variable the template reads but does not define itself."""
    names = meta.find_undeclared_variables(ast)
    found = []
    for name in sorted(names):
        line = min(
            (node.lineno for node in ast.find_all(nodes.Name) if node.name == name),
            default=1,
        )
        found.append((name, line))
    return sorted(found, key=lambda item: item[1])


def _load_document(env, file: Path, errors: list[LibraryError]) -> DocumentParts | None:
    name = file.name
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(LibraryError(name, 1, f"cannot read file: {exc}"))
        return None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        errors.append(LibraryError(name, int(match.group(1)) if match else 1, f"not TOML: {exc}"))
        return None

    reads: dict[str, set[str]] = {marker: set() for marker in MARKERS}

    def compile_(text: Any, where: str, marker: str | None = None):
        if not isinstance(text, str):
            raise ValueError(f"{where} must be a string")
        try:
            ast = env.parse(text)
        except TemplateSyntaxError as exc:
            raise ValueError(f"{where}: template syntax error: {exc.message}") from exc
        for variable, _line in undeclared_names(ast):
            if variable not in VARIABLES:
                raise ValueError(f"{where}: unknown variable {{{{ {variable} }}}}")
        if marker:
            reads[marker] |= meta.find_undeclared_variables(ast)
        return env.from_string(text)

    try:
        ladder = data["ladder_table"]
        signatures = data["signatures"]
        parts = DocumentParts(
            title=compile_(data["title"], "title"),
            subtitle=compile_(data["subtitle"], "subtitle"),
            header=compile_(data["header"], "header"),
            ladder_header=tuple(str(cell) for cell in ladder["header"]),
            ladder_rows=tuple(
                tuple(compile_(cell, "ladder_table.rows", MARKERS[0]) for cell in row)
                for row in ladder["rows"]
            ),
            signature_parties=tuple(
                (
                    compile_(party["role"], "signatures.role", MARKERS[1]),
                    compile_(party["name"], "signatures", MARKERS[1]),
                )
                for party in signatures["parties"]
            ),
            signature_lines=tuple(str(line) for line in signatures["lines"]),
            marker_names={marker: frozenset(names) for marker, names in reads.items()},
        )
    except KeyError as exc:
        errors.append(LibraryError(name, 1, f"missing key {exc}"))
        return None
    except (ValueError, TypeError) as exc:
        errors.append(LibraryError(name, 1, str(exc)))
        return None
    return parts
