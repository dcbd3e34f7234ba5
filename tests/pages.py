"""Read what a page shows the way a person would: text a screen reader hears."""

from __future__ import annotations

import re


def nav_count(html: str) -> str | None:
    """What a screen reader hears of the navigation's inbox link."""
    link = re.search(r'<a [^>]*class="inbox-link"[^>]*>(.*?)</a>', html, re.S)
    assert link, "no inbox link in the navigation"
    text = re.sub(r"<[^>]*aria-hidden=\"true\"[^>]*>[^<]*</span>", "", link.group(1))
    return " ".join(re.sub(r"<[^>]+>", "", text).split())
