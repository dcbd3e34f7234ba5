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


def meeting_event(meeting, summary: str, description: str = "") -> Event:
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
    for participant in meeting.participants:
        if participant.email:
            attendee = vCalAddress(f"mailto:{one_line(participant.email).replace(' ', '')}")
            attendee.params["cn"] = vText(one_line(participant.name))
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


BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def series_events(series, meetings, summary: str) -> list[Event]:
    """The series as one recurring event (RRULE), its cancelled dates as EXDATE, and every
    moved meeting as an override of its original date (RECURRENCE-ID), all with one UID."""
    from app.meetings.monthly import occurrences

    starts = occurrences(series)
    if not starts:
        return []
    nth = -1 if series.week_of_month == 5 else series.week_of_month
    master = Event()
    master.add("uid", series.uid)
    master.add("sequence", series.sequence)
    master.add("dtstamp", datetime.now(UTC))
    first = local(starts[0])
    master.add("dtstart", first)
    master.add("dtend", first + timedelta(minutes=series.duration_minutes))
    until = datetime.combine(series.last_date, datetime.max.time(), COPENHAGEN).astimezone(UTC)
    master.add(
        "rrule", {"freq": "monthly", "byday": f"{nth}{BYDAY[series.weekday]}", "until": until}
    )
    master.add("summary", one_line(summary))
    if series.place:
        master.add("location", one_line(series.place))
    events = [master]
    for meeting in meetings:
        if meeting.series_id != series.id or meeting.original_start is None:
            continue
        if meeting.cancelled:
            master.add("exdate", local(meeting.original_start))
        elif aware(meeting.starts_at) != aware(meeting.original_start) or (
            meeting.place != series.place
        ):
            events.append(instance_event(meeting, series, summary))
    return events


def instance_event(meeting, series, summary: str) -> Event:
    """One meeting of a series: an override of its original date, under the series' UID."""
    event = meeting_event(meeting, summary)
    event.pop("uid")
    event.add("uid", series.uid)
    event.pop("sequence")
    event.add("sequence", series.sequence + meeting.sequence)
    event.add("recurrence-id", local(meeting.original_start))
    return event
