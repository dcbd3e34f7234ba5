"""One simulated coordinator for bench/load.py: a cookie jar, the real CSRF token, and a mix of
page reads, writes and downloads. Standard library only; talks to 127.0.0.1 and nothing else."""

from __future__ import annotations

import html
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from http.cookiejar import CookieJar

TOKEN_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_HEADER = re.compile(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'")
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
REQUEST_TIMEOUT = 30  # seconds; every request is bounded
# Every request of a bench says the same User-Agent, as a browser does. The session's
# protection (Flask-Login's "basic") marks a session not fresh when the agent differs from the
# one that signed in, and that rewrites the cookie on every answer: wrk_bench.py's generated
# script sends this agent too.
USER_AGENT = "byg-op-bench/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back instead of following them: a 303 is the acknowledgement."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Results:
    """What all users saw, shared between threads (appends are atomic in CPython)."""

    samples: list[tuple[str, int, float]] = field(default_factory=list)  # route, status, ms
    notes_acknowledged: list[str] = field(default_factory=list)
    notes_unacknowledged: list[str] = field(default_factory=list)  # timeouts, 5xx: unknown
    minutes_acknowledged: list[tuple[str, str]] = field(default_factory=list)  # meeting, text
    minutes_conflicts: int = 0
    sign_in_retries: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Site:
    """Paths found by the scout before the run."""

    projects: list[str]
    candidates: list[str]
    progress: list[str]
    meetings: list[str]  # monthly meeting pages that have the minutes form
    documents: list[str]  # approved agreement versions as .docx


class Session:
    """One browser: a cookie jar and the CSRF token of the last page it loaded."""

    def __init__(self, base: str, results: Results):
        assert base.startswith("http://127.0.0.1:"), "loopback only"
        self.base = base
        self.results = results
        self.token = ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def request(self, route, path, data=None, headers=None, record=True) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except OSError as error:  # timeout, refused, reset: no answer at all
            status, payload = 0, str(error).encode()
        elapsed = (time.perf_counter() - started) * 1000
        if record:
            self.results.samples.append((route, status, elapsed))
        if status == 200 and payload[:1] == b"<":
            text = payload.decode("utf-8", "replace")
            match = TOKEN_HEADER.search(text) or TOKEN_INPUT.search(text)
            if match:
                self.token = html.unescape(match.group(1))
        return status, payload

    def get(self, route, path, **kwargs) -> tuple[int, str]:
        status, payload = self.request(route, path, **kwargs)
        return status, payload.decode("utf-8", "replace")

    def sign_in(self, email: str, password: str, deadline: float) -> bool:
        """Sign in once; on 429 (rate limited) back off and try again until the deadline."""
        delay = 1.0
        while time.monotonic() < deadline:
            self.get("GET /auth/login", "/auth/login")
            status, _ = self.request(
                "POST /auth/login",
                "/auth/login",
                data={"csrf_token": self.token, "email": email, "password": password, "next": ""},
            )
            if status in (302, 303):
                return True
            if status != 429:
                self.results.problems.append(f"sign-in answered {status}")
                return False
            self.results.sign_in_retries += 1
            time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
            delay = min(delay * 2, 16)
        return False


def scout(session: Session) -> Site:
    """Find the pages the users will visit, as a signed-in coordinator would by clicking."""

    def links(path: str, pattern: str) -> list[str]:
        _, text = session.get("scout", path, record=False)
        return sorted(set(re.findall(pattern, text)))

    projects = links("/projects/", r'href="(/projects/\d+)"')
    candidates = links("/candidates/", r'href="(/candidates/\d+)"')
    progress, meetings, documents = [], [], []
    for project in projects:
        pid = project.rsplit("/", 1)[1]
        status, _ = session.get("scout", f"/projects/{pid}/progress", record=False)
        if status == 200:
            progress.append(f"/projects/{pid}/progress")
        for page in links(f"/projects/{pid}/meetings/", rf'href="(/projects/{pid}/meetings/\d+)"'):
            _, text = session.get("scout", page, record=False)
            if f'action="{page}/minutes"' in text:
                meetings.append(page)
        documents += links(
            f"/projects/{pid}/agreement", rf'href="(/projects/{pid}/agreement/v\d+\.docx)"'
        )
        for version in links(
            f"/projects/{pid}/agreement", rf'href="(/projects/{pid}/agreement/v\d+)"'
        ):
            documents += links(version, rf'href="(/projects/{pid}/agreement/v\d+\.docx)"')
    return Site(projects, candidates, progress, sorted(set(meetings)), sorted(set(documents)))


def label(path: str) -> str:
    return re.sub(r"\d+", "<id>", path.split("?")[0])


class User(threading.Thread):
    """A coordinator clicking around until the deadline: reads, conversation logs, minutes
    typed into a monthly meeting (autosave), and agreement downloads."""

    def __init__(self, number, base, site, results, credentials, run_id, deadline, seed):
        super().__init__(name=f"user-{number}", daemon=True)
        self.number, self.site, self.results = number, site, results
        self.credentials, self.run_id, self.deadline = credentials, run_id, deadline
        self.session = Session(base, results)
        self.random = random.Random(seed)  # noqa: S311 - a workload mix, not cryptography
        self.writes = 0

    def run(self):
        if not self.session.sign_in(*self.credentials, deadline=self.deadline):
            return
        actions = [
            (self.read_home, 8),
            (self.read_projects, 8),
            (self.read_project, 10),
            (self.read_candidates, 8),
            (self.read_candidate, 14),
            (self.read_progress, 8),
            (self.log_conversation, 18),
            (self.type_minutes, 8 if self.site.meetings else 0),
            (self.download, 6 if self.site.documents else 0),
        ]
        choices, weights = zip(*actions, strict=True)
        while time.monotonic() < self.deadline:
            try:
                self.random.choices(choices, weights)[0]()
            except Exception as error:  # keep the other users going; report it at the end
                self.results.problems.append(f"{self.name}: {error!r}")

    def _get(self, path: str):
        return self.session.get(f"GET {label(path)}", path)

    def read_home(self):
        self._get("/")

    def read_projects(self):
        self._get("/projects/")

    def read_project(self):
        self._get(self.random.choice(self.site.projects))

    def read_candidates(self):
        self._get("/candidates/")

    def read_candidate(self):
        self._get(self.random.choice(self.site.candidates))

    def read_progress(self):
        if self.site.progress:
            self._get(self.random.choice(self.site.progress))

    def log_conversation(self):
        """Open a candidate and log a conversation through htmx, as the page does."""
        page = self.random.choice(self.site.candidates)
        status, _ = self._get(page)
        if status != 200:
            return
        self.writes += 1
        note = f"load {self.run_id} u{self.number} #{self.writes}"
        status, _ = self.session.request(
            f"POST {label(page)}/conversations",
            f"{page}/conversations",
            data={"held_on": date.today().isoformat(), "kind": "pre_match", "notes": note},
            headers={"HX-Request": "true", "X-CSRFToken": self.session.token},
        )
        if 200 <= status < 300 or status == 303:
            self.results.notes_acknowledged.append(note)
        elif status == 0 or status >= 500:
            self.results.notes_unacknowledged.append(note)
        else:
            self.results.problems.append(f"conversation answered {status}")

    def type_minutes(self):
        """Open a meeting and type: a few autosaves in a row, each on the version the last
        save answered with. A 409 (someone else saved in between) ends the typing."""
        page = self.random.choice(self.site.meetings)
        status, text = self._get(page)
        match = VERSION_INPUT.search(text)
        if status != 200 or not match:
            return
        version = match.group(1)
        for _ in range(self.random.randint(1, 3)):
            self.writes += 1
            minutes = f"load {self.run_id} u{self.number} #{self.writes}"
            status, text = self.session.get(
                f"POST {label(page)}/minutes",
                f"{page}/minutes",
                data={"minutes": minutes, "version": version},
                headers={"HX-Request": "true", "X-CSRFToken": self.session.token},
            )
            if status == 409:
                with self.results.lock:
                    self.results.minutes_conflicts += 1
                return
            match = VERSION_INPUT.search(text)
            if status != 200 or not match:
                if status != 0 and status < 500:
                    self.results.problems.append(f"minutes answered {status}")
                return
            self.results.minutes_acknowledged.append((page, minutes))
            version = match.group(1)
            time.sleep(self.random.uniform(0.1, 0.5))  # typing

    def download(self):
        path = self.random.choice(self.site.documents)
        status, payload = self.session.request(f"GET {label(path)}", path)
        if status == 200 and not payload.startswith(b"PK"):
            self.results.problems.append(f"{path} is not a .docx")
