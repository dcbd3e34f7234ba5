"""Where to send the user next: only ever to a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request


def _unsafe(text: str) -> bool:
    return "\\" in text or any(ord(c) < 32 or ord(c) == 127 for c in text)


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    decoded = unquote(target)
    # Browsers read a backslash as a slash and skip tabs and newlines, so "/\evil" and
    # "/\t/evil" lead off-site; percent-encoding must not smuggle them past us either.
    if _unsafe(target) or _unsafe(decoded):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    if target.startswith("//") or decoded.startswith("//"):
        return None
    return target


def _local_part(url: str | None) -> str | None:
    """The path and query of a URL on this host, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path)


def current_page() -> str | None:
    """The page the user is looking at, to come back to after signing in again: this URL for
    a plain GET, the page that made an htmx or form request otherwise."""
    fragment = bool(request.htmx) and not request.htmx.boosted
    if request.method == "GET" and not fragment:
        return safe_next(request.full_path.rstrip("?"))
    if request.htmx:
        return _local_part(request.headers.get("HX-Current-URL"))
    return _local_part(request.referrer)
