"""The clock: what day it is where the users are (Copenhagen), not on the server.

Plain Python: the domain, the views, the CLI and the exports all ask here, so that "today" is one
thing everywhere (a server in UTC would otherwise start tomorrow an hour early).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Copenhagen")


def local_now() -> datetime:
    """Now, in Copenhagen."""
    return datetime.now(TIMEZONE)


def local_today() -> date:
    """Today in Copenhagen: the date users see and mean."""
    return local_now().date()
