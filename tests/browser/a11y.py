"""Accessibility helpers for the browser tests: axe-core (an npm devDependency, injected from
node_modules, never fetched at test time), the main pages a role can reach, and a tally that
the tests print (`pytest -s`) and the README quotes."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import htmx_settled

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# What fails a page; minor and moderate findings are printed but do not fail.
FAILING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")

ROLES = {
    "coordinator": "koordinator@bygop.demo",
    "admin": "admin@bygop.demo",
    "client": "bygherre@vestbo.demo",
    "contractor": "entreprenor@nordbyg.demo",
}

# Addresses that are files, not pages, or that change something when followed.
NOT_PAGES = re.compile(r"\.(docx|xlsx|ics|json|csv|txt|pdf)$|/export|/logout|/healthz")


def require_axe() -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci installs axe-core)")


def run_axe(page) -> list[dict]:
    """Inject axe-core into the page (once) and return its violations, WCAG 2.x A and AA
    plus axe's best practices."""
    require_axe()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                count: v.nodes.length,
            }));
        }"""
    )


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING]


def describe(violations: list[dict]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}) x{v['count']}: {v['nodes']}" for v in violations)


def page_key(url: str) -> str:
    """One key per kind of page: the path with its numbers replaced, so that a list of forty
    projects is checked once, not forty times."""
    path = urlsplit(url).path
    return re.sub(r"\d+", "N", path)


def main_pages(page, limit: int = 60) -> list[str]:
    """Every page a signed-in user reaches from the start page by following links (GET, same
    site, one of each kind), breadth first."""
    seen: dict[str, str] = {}
    queue = ["/"]
    origin = urlsplit(page.url)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        key = page_key(url)
        if key in seen:
            continue
        response = page.goto(url)
        if response is None or not response.ok:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        seen[key] = url
        htmx_settled(page)  # the start page's sections come by htmx after the page
        for href in page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.href).filter(h => h && !h.includes('#'))"
        ):
            parts = urlsplit(href)
            if parts.netloc != origin.netloc or NOT_PAGES.search(parts.path):
                continue
            relative = parts.path + (f"?{parts.query}" if parts.query else "")
            # Paging and sorting show the same page; a search link is kept.
            if re.search(r"(^|&)(page|sort)=", parts.query):
                continue
            if page_key(relative) not in seen:
                queue.append(relative)
    return list(seen.values())


class Tally:
    """Violations per role, page, width and impact, printed at the end of the session."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Counter] = defaultdict(Counter)

    def add(self, role: str, page: str, violations: list[dict], width: str = "") -> None:
        """`width` names the layout when it is not the desktop's ("phone")."""
        counter = self.rows[(role, f"{page} ({width})" if width else page)]
        counter.update({})  # the page counts even with nothing found
        for violation in violations:
            counter[violation["impact"]] += violation["count"]

    def report(self) -> str:
        if not self.rows:
            return ""
        lines = ["", "axe-core: violations (elements) per page and impact"]
        lines.append(f"{'role':<12} {'page':<52} " + " ".join(f"{i:>8}" for i in IMPACTS))
        per_role: Counter = Counter()
        totals: Counter = Counter()
        for (role, page), counter in sorted(self.rows.items()):
            per_role[role] += not page.endswith(")")  # a page at phone width is the same page
            totals.update(counter)
            lines.append(f"{role:<12} {page:<52} " + " ".join(f"{counter[i]:>8}" for i in IMPACTS))
        lines.append(
            "pages checked: "
            + ", ".join(f"{role} {n}" for role, n in sorted(per_role.items()))
            + " (each at desktop and phone width) · total "
            + ", ".join(f"{i} {totals[i]}" for i in IMPACTS)
        )
        return "\n".join(lines)


TALLY = Tally()
