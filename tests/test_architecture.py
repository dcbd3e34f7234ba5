"""The domain is plain Python: importing a rule loads no Flask, no ORM and no views."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DOMAIN_MODULES = [
    "app.enums",
    "app.clock",
    "app.placements.counting",
    "app.placements.rules",
    "app.agreements.library",
    "app.agreements.document",
    "app.agreements.docx_writer",
    "app.agreements.redline",
    "app.meetings.calendar",
    "app.reports.aarsvaerk",
    "app.reports.chart",
]

FORBIDDEN_TOP = {
    "flask",
    "flask_sqlalchemy",
    "flask_babel",
    "flask_login",
    "werkzeug",
    "sqlalchemy",
}

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def _loaded(module: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_a_domain_module_imports_no_flask_and_no_views(module):
    loaded = _loaded(module)
    frameworks = sorted({m.split(".")[0] for m in loaded} & FORBIDDEN_TOP)
    views = [m for m in loaded if m.startswith("app.") and viewish(m.rsplit(".", 1)[-1])]
    assert frameworks == [], f"{module} loads {frameworks}"
    assert views == [], f"{module} loads {views}"


def viewish(name: str) -> bool:
    """A module that only the factory may import: a view module (named `views` or `<what>_views`,
    see test_view_modules_say_they_are_views), a blueprint, or the factory itself."""
    return name == "views" or name.endswith("_views") or name in ("blueprint", "factory")


def test_the_probe_would_notice_flask_and_views():
    """The check itself can fail: a view module does load Flask and its blueprint."""
    loaded = _loaded("app.placements.views")
    assert "flask" in loaded
    assert "app.placements.blueprint" in loaded


def test_feature_packages_are_empty():
    """A feature package's __init__ holds a docstring and nothing else."""
    for init in sorted((ROOT / "app").glob("*/__init__.py")):
        code = [
            line
            for line in init.read_text(encoding="utf-8").split('"""')[-1].splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        assert code == [], f"{init.relative_to(ROOT)} has code: {code}"


def test_no_feature_imports_another_features_views():
    """Only the factory imports the view modules; within a feature, views may share helpers."""
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name in ("factory.py", "__init__.py") or "migrations" in path.parts:
            continue
        own = path.relative_to(ROOT / "app").parts[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line.startswith(("from app.", "import app.")):
                continue
            parts = line.split()[1].split(".")
            if len(parts) >= 3 and viewish(parts[-1]) and parts[1] != own:
                offenders.append(f"{path.relative_to(ROOT)}: {line}")
            if parts[-1] == "factory":
                offenders.append(f"{path.relative_to(ROOT)}: {line}")
    assert offenders == []


ROUTE = re.compile(r"^@bp\.(get|post|route)\(|\.add_url_rule\(", re.MULTILINE)


def test_view_modules_say_they_are_views():
    """A module with routes is named `views.py` or `<what>_views.py`, and a module so named holds
    routes: the factory loads exactly these, and no database adapter or document model shares a
    view's name."""
    from app.factory import VIEW_MODULES

    with_routes = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "app").rglob("*.py")
        if ROUTE.search(path.read_text(encoding="utf-8"))
    }
    named_views = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "app").rglob("*.py")
        if viewish(path.stem) and path.stem not in ("blueprint", "factory")
    }
    assert with_routes == named_views == set(VIEW_MODULES)


def imported_test_modules(source: str, package: str = "tests") -> set[str]:
    """The test modules (`test_*`) the source imports, however it spells the import."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from within the tests package
                base = ".".join(filter(None, [package, base]))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if any(part.startswith("test_") for part in name.split(".")):
                found.add(name)
    return found


def test_no_test_file_imports_another_test_file():
    """Shared helpers live in tests/factories.py, tests/conftest.py and small helper modules
    (tests/world.py, tests/sites.py, ...), never in a test file: a test file can then be
    changed, renamed or deleted on its own, and pytest never collects a test twice."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        package = ".".join(path.parent.relative_to(ROOT).parts)
        for name in sorted(imported_test_modules(path.read_text(encoding="utf-8"), package)):
            offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_check_would_notice_a_test_file_imported():
    spellings = (
        "from tests.test_fuzz import form_fields",
        "import tests.test_fuzz",
        "from tests import test_fuzz",
        "from .test_fuzz import form_fields",
        "from . import test_fuzz",
    )
    for source in spellings:
        assert imported_test_modules(source), source
    assert not imported_test_modules("from tests.factories import TODAY\nimport pytest")


def test_one_coordinator_fixture():
    """The signed-in coordinator is tests/conftest.py's `coordinator`; a test file that needs
    another user makes it with `make` and `login` under another name."""
    defined = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "conftest.py" and path.parent == ROOT / "tests":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "coordinator":
                decorators = [ast.unparse(d) for d in node.decorator_list]
                if any("fixture" in d for d in decorators):
                    defined.append(str(path.relative_to(ROOT)))
    assert defined == []
