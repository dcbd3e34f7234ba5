"""Calendar invitations (.ics) with the icalendar library, in Europe/Copenhagen time.

A meeting keeps its UID for life and bumps SEQUENCE on every change, so a calendar that
imports the new file replaces the old entry instead of adding a second one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def aware(moment: datetime) -> datetime:
    """Datetimes are stored in UTC; SQLite hands them back without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    return aware(moment).astimezone(COPENHAGEN)


def meeting_event(meeting, summary: str, description: str = "") -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", datetime.now(UTC))
    start = local(meeting.starts_at)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", summary)
    if meeting.place:
        event.add("location", meeting.place)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    for participant in meeting.participants:
        if participant.email:
            attendee = vCalAddress(f"mailto:{participant.email}")
            attendee.params["cn"] = vText(participant.name)
            event.add("attendee", attendee, encode=0)
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
