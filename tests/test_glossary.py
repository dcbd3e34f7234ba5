"""One Danish term per concept: no forbidden variant in any text the product shows or writes."""

import ast
import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.glossary import GLOSSARY, forbidden_variants

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "agreement_templates"


def catalog_texts():
    with open(ROOT / "app/translations/da/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text:
                yield f"messages.po: {message.id!r}", text


def template_texts():
    """The literal text of the page templates: Jinja tags, comments and HTML tags removed."""
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", path.read_text("utf-8"), flags=re.S)
        yield str(path.relative_to(ROOT)), re.sub(r"<[^>]*>", " ", text)


def library_texts():
    for path in sorted((LIBRARY / "clauses").glob("*.clause")):
        _, front, body = path.read_text("utf-8").split("+++", 2)
        meta = tomllib.loads(front)
        yield str(path.relative_to(ROOT)), f"{meta['title']}\n{meta.get('help', '')}\n{body}"
    yield "kickoff/agenda.txt", (LIBRARY / "kickoff/agenda.txt").read_text("utf-8")
    questions = tomllib.loads((LIBRARY / "kickoff/questions.toml").read_text("utf-8"))
    for entry in questions["question"]:
        yield f"kickoff/questions.toml: {entry['key']}", f"{entry['question']}\n{entry['answer']}"
    yield "document.toml", (LIBRARY / "document.toml").read_text("utf-8")


def python_texts():
    """String literals in the code (Word and Excel texts live there), leaving out docstrings
    and lower-case keys such as "kickoff" or "meetings.kickoff_page"."""
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name == "glossary.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and not re.fullmatch(r"[a-z0-9_.:/<>-]*", node.value)
            ):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


SOURCES = {
    "catalog": catalog_texts,
    "templates": template_texts,
    "library": library_texts,
    "python": python_texts,
}


@pytest.mark.parametrize("source", SOURCES)
def test_no_forbidden_variant(source):
    found = [
        f"{where}: {variant!r} (say {term.term!r})"
        for where, text in SOURCES[source]()
        for term, variant in forbidden_variants(text)
    ]
    assert found == []


def test_every_term_is_in_use():
    """The glossary names the words the product really uses."""
    everything = "\n".join(text.lower() for source in SOURCES.values() for _where, text in source())
    for term in GLOSSARY:
        words = [word.strip() for word in term.term.split("/")]
        assert any(word.split()[0] in everything for word in words), term.term


def test_the_scan_finds_a_forbidden_variant():
    found = forbidden_variants("Et påbegyndt forløb står i statusrapporten og i udkastet.")
    assert sorted(variant.lower() for _term, variant in found) == [
        "påbegyndt",
        "statusrapport",
        "udkastet",
    ]
