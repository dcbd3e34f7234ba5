"""Canaries: strings planted in a sensitive note, a conversation note and an outcome reason must
never come out where they do not belong: not in any page or download for a client or a
contractor, not in any export or document at all, and not in any log line.

Staff see conversation notes and outcome reasons where they do casework (the candidate's page);
the sensitive note only after opening it on purpose (a POST that is logged). A subject-access
export (the `gdpr` blueprint) hands a person all their own data, so it is exempt for staff.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.models import STAFF_ROLES
from tests.world import (
    CANARIES,
    CANARY_CONVERSATION,
    CANARY_OUTCOME,
    CANARY_SENSITIVE,
    IDENTITIES,
    SKIP_ENDPOINTS,
    build_url,
    build_world,
    response_text,
    sign_in,
)

# Pages where staff do casework and see conversation notes and outcome reasons.
STAFF_CASEWORK = {"candidates.detail"}
# A person's own data, handed over on request: everything, for staff.
SUBJECT_ACCESS_BLUEPRINTS = {"gdpr"}


def allowed(endpoint: str, identity, download: bool) -> set[str]:
    """The canaries this identity may see in this response."""
    if identity.role not in STAFF_ROLES:
        return set()
    if endpoint.split(".")[0] in SUBJECT_ACCESS_BLUEPRINTS:
        return set(CANARIES)
    if endpoint in STAFF_CASEWORK and not download:
        return {CANARY_CONVERSATION, CANARY_OUTCOME}
    return set()


def test_canaries_stay_put_in_pages_exports_and_logs(app, ctx, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("app", "werkzeug", "flask"):
        caplog.set_level(logging.DEBUG, logger=name)
    world = build_world()
    client = app.test_client()
    seen, checked, downloads = [], 0, 0
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        for identity in IDENTITIES:
            sides = ("A", "B") if identity.role in STAFF_ROLES else (identity.own,)
            for side in sides:
                url = build_url(rule, world.sides[side].ids)
                sign_in(client, world.user(identity.name))
                response = client.get(url)
                assert response.status_code < 500, f"{url} as {identity.name}"
                download = "attachment" in response.headers.get("Content-Disposition", "")
                downloads += download and response.status_code == 200
                body = response_text(response)
                for canary in set(CANARIES) - allowed(rule.endpoint, identity, download):
                    if canary in body:
                        seen.append(f"{canary} in {url} as {identity.name}")
                checked += 1
    assert seen == [], "\n".join(seen)
    assert checked > 300 and downloads > 40, (checked, downloads)

    # Positive control: a coordinator who opens the notes on purpose does see the canary, so the
    # canary is really there and the search really finds it.
    sign_in(client, world.coordinator)
    opened = client.post(f"/candidates/{world.sides['A'].ids['candidate_id']}/sensitive")
    assert CANARY_SENSITIVE in opened.get_data(as_text=True)
    casework = client.get(f"/candidates/{world.sides['A'].ids['candidate_id']}")
    assert CANARY_CONVERSATION in casework.get_data(as_text=True)
    print(f"\ncanary: {checked} responses ({downloads} downloads), 0 canaries out of place")

    app.logger.debug("canary probe: the log capture works")  # the search below is not vacuous
    logged = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    assert "canary probe" in logged
    assert not any(canary in logged for canary in CANARIES), "a canary reached the log"
    audited = " ".join(db.session.scalars(select(AuditEvent.target)))
    assert not any(canary in audited for canary in CANARIES), "a canary reached the audit log"
