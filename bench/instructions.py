"""Instructions per request of each page, counted by valgrind's callgrind: a figure that does
not move with other work on the machine, for changes too small for wrk or CPU time to see.

    .venv/bin/python bench/instructions.py --database sqlite:////tmp/large.sqlite \\
        / 'hx:/projects/?phase=execution&q=a' /projects/205/progress

Each page is asked through Flask's test client, signed in as the demo coordinator, in two runs
under `valgrind --tool=callgrind` (a few requests first to warm the process, then `--few` and
`--many` requests); the difference of the two runs' totals, divided by the difference of
the requests, is the page's cost without the process's start. A page written `hx:...` is
asked with htmx's header; `preview:<project id>` is the agreement editor's live preview, posted
with the fields the editor's script sends it (`EditorForm.preview_fields` in http_bench.py).
To compare two versions of the code, run this in a checkout of each (it counts the code of the
checkout it is in). Needs valgrind (a Debian package).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTED = re.compile(r"Collected : (\d+)")


def ask(database: str, requests: int, page: str) -> None:
    """In this process (under valgrind): sign in and ask `page` `requests` times."""
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    os.environ["DATABASE_URL"] = database
    from common import signed_in_client

    from app import create_app

    client = signed_in_client(create_app({"SECRET_KEY": "x" * 64, "SESSION_COOKIE_SECURE": False}))
    if page.startswith("preview:"):
        ask_preview(client, int(page.removeprefix("preview:")), requests)
        return
    path = page.removeprefix("hx:")
    headers = {"HX-Request": "true"} if page.startswith("hx:") else {}
    for _ in range(5 + requests):
        status = client.get(path, headers=headers).status_code
        if status != 200:
            raise SystemExit(f"{path} answered {status}")


def ask_preview(client, project_id: int, requests: int) -> None:
    """Post the editor's live preview of `project_id` `requests` times, as its script does."""
    from urllib.parse import urlencode

    from http_bench import EditorForm

    draft = f"/projects/{project_id}/agreement/draft"
    form = EditorForm()
    form.feed(client.get(draft).get_data(as_text=True))
    body = urlencode(form.preview_fields())
    headers = {"HX-Request": "true", "X-CSRFToken": dict(form.fields).get("csrf_token", "")}
    for _ in range(5 + requests):
        answer = client.post(
            f"/projects/{project_id}/agreement/preview",
            data=body,
            headers=headers,
            content_type="application/x-www-form-urlencoded",
        )
        if answer.status_code != 200:
            raise SystemExit(f"the preview of project {project_id} answered {answer.status_code}")


def counted(database: str, requests: int, page: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
             sys.executable, __file__, "--ask", page, "--database", database,
             "--requests", str(requests)],
            cwd=ROOT, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
    found = COLLECTED.search(done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"valgrind failed for {page}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "pages", nargs="*", help="paths; hx:/path for an htmx request; preview:<project id>"
    )
    parser.add_argument("--database", required=True, help="DATABASE_URL of demo or large data")
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--many", type=int, default=110)
    parser.add_argument("--ask", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ask:
        ask(args.database, args.requests, args.ask)
        return
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    if not 0 <= args.few < args.many:
        parser.error("--few must be below --many")
    for page in args.pages or ["/healthz"]:
        few = counted(args.database, args.few, page)
        many = counted(args.database, args.many, page)
        per_request = (many - few) / (args.many - args.few)
        print(f"{page:45s} {per_request / 1e6:8.2f} M instructions a request", flush=True)


if __name__ == "__main__":
    main()
