"""Calendar invitations (.ics) with the icalendar library, in Europe/Copenhagen time.

A meeting keeps its UID for life and bumps SEQUENCE on every change, so a calendar that
imports the new file replaces the old entry instead of adding a second one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from app.sanitise import ical_text, one_line

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def aware(moment: datetime) -> datetime:
    """Datetimes are stored in UTC; SQLite hands them back without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    return aware(moment).astimezone(COPENHAGEN)


ORGANIZER_NAME = "Byg Op"
# The coordinating unit's address; set CALENDAR_ORGANIZER_EMAIL in the app's config to change it.
ORGANIZER_EMAIL = "byg-op@bygop.invalid"


def organizer() -> vCalAddress:
    """The coordinating unit: every event we publish is organised by it."""
    from flask import current_app, has_app_context

    email = ORGANIZER_EMAIL
    if has_app_context():
        email = current_app.config.get("CALENDAR_ORGANIZER_EMAIL") or email
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(ORGANIZER_NAME)
    return address


def meeting_event(meeting, summary: str, description: str = "") -> Event:
    """One meeting as an event of its own. A published calendar (METHOD:PUBLISH) carries an
    ORGANIZER and no ATTENDEE: the file is the same for every reader and names no one."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", datetime.now(UTC))
    start = local(meeting.starts_at)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", one_line(summary))
    if meeting.place:
        event.add("location", one_line(meeting.place))
    if description:
        event.add("description", ical_text(description))
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("organizer", organizer(), encode=0)
    return event


def calendar(*events: Event) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Byg Op//Intranet//DA")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def series_events(series, meetings, summary: str) -> list[Event]:
    """The series as one recurring event whose expansion is exactly the app's meetings.

    It starts at the first meeting laid out (not at the rhythm's first date, whose earlier
    dates were never laid out). The rule's dates without a meeting, and the cancelled ones,
    are EXDATEs; a kept meeting off the current rule (held before the rhythm changed) is an
    RDATE; a moved meeting overrides its original date (RECURRENCE-ID). One UID throughout,
    one SEQUENCE that rises with every change to the series or any of its meetings."""
    from app.meetings.monthly import occurrences

    own = sorted(
        (m for m in meetings if m.series_id == series.id and m.original_start is not None),
        key=lambda m: aware(m.original_start),
    )
    others = [m for m in meetings if m not in own and not m.cancelled]
    events = [meeting_event(m, summary) for m in others]
    if not own:
        return events
    first = aware(own[0].original_start)
    rule = [start for start in occurrences(series) if start >= first]
    planned = {aware(m.original_start): m for m in own}
    master = Event()
    master.add("uid", series.uid)
    master.add("sequence", series.sequence)
    master.add("dtstamp", datetime.now(UTC))
    if rule and rule[0] == first:
        master.add("dtstart", local(first))
        nth = -1 if series.week_of_month == 5 else series.week_of_month
        master.add(
            "rrule",
            {"freq": "monthly", "byday": f"{nth}{BYDAY[series.weekday]}", "until": rule[-1]},
        )
        on_rule = set(rule)
    else:  # the first meeting is off the current rule: list every date instead
        master.add("dtstart", local(first))
        on_rule = {first}
    master.add("dtend", local(first) + timedelta(minutes=series.duration_minutes))
    master.add("summary", one_line(summary))
    if series.place:
        master.add("location", one_line(series.place))
    master.add("organizer", organizer(), encode=0)
    extra = sorted(
        start for start, m in planned.items() if start not in on_rule and not m.cancelled
    )
    if extra:
        master.add("rdate", [local(start) for start in extra])
    gone = sorted(start for start in on_rule if start not in planned or planned[start].cancelled)
    if gone:
        master.add("exdate", [local(start) for start in gone])
    events.insert(0, master)
    for meeting in own:
        if meeting.cancelled:
            continue
        if aware(meeting.starts_at) != aware(meeting.original_start) or (
            meeting.place != series.place or meeting.duration_minutes != series.duration_minutes
        ):
            events.append(instance_event(meeting, series, summary))
    return events


def instance_event(meeting, series, summary: str) -> Event:
    """One meeting of a series as an override of its original date, under the series' UID;
    only meaningful inside the series' file, next to its master event."""
    event = meeting_event(meeting, summary)
    event.pop("uid")
    event.add("uid", series.uid)
    event.pop("sequence")
    event.add("sequence", series.sequence)
    event.add("recurrence-id", local(meeting.original_start))
    return event
