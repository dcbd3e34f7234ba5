"""Rendering helpers: one place decides between a whole page and an htmx fragment."""

from __future__ import annotations

from urllib.parse import quote

from flask import get_flashed_messages, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block

from app import sanitise


def wants_fragment() -> bool:
    """True for an htmx request that is neither boosted navigation nor a history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(
    template: str,
    block: str | None = None,
    status: int = 200,
    oob_blocks: tuple[str, ...] = (),
    **context,
):
    """Render the page, or only `block` of it for htmx, followed by `oob_blocks` (which mark
    themselves hx-swap-oob when `oob` is set) and pending flashes, out of band."""
    if block and wants_fragment():
        html = render_block(template, block, **context)
        for extra in oob_blocks:
            html += render_block(template, extra, oob=True, **context)
        if flashes := get_flashed_messages(with_categories=True):
            html += render_template("_flashes.html", flashes=flashes, oob=True)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def redirect_after_write(location: str):
    """After a successful write: a 303 for plain forms, a client-side redirect for htmx."""
    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def safe_file_name(name: str) -> str:
    """`name` safe as a file name: one line, no bidi controls, no path or Windows characters."""
    return sanitise.filename(name)


def download(data, mimetype: str, filename: str):
    """A file download (bytes, or an iterator of bytes to stream) with a UTF-8 file name (and
    an ASCII fallback for old clients). The name is made safe here, whatever the caller
    passes: a line break in a project name must not make the header invalid, nor a
    right-to-left override disguise the extension."""
    filename = sanitise.filename(filename)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    response = make_response(data)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Beyond this a page number is nonsense, and its OFFSET would overflow PostgreSQL's bigint.
MAX_PAGE = 10_000
# Ids are 4-byte integers in PostgreSQL; a larger number can name nothing.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A positive id from a form or query string, or None when it cannot name a row."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def page_arg(name: str = "page") -> int:
    """The page number asked for in the query string: 1 unless a number from 1 to MAX_PAGE."""
    return min(max(parse_id(request.args.get(name)) or 1, 1), MAX_PAGE)
