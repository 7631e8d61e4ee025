"""Calendar invitations (iCalendar, RFC 5545) for scheduled asks.

One event per ask: its UID never changes, and every change (a new time, a new place, a cancellation)
is sent with a higher SEQUENCE, so calendar programs replace the earlier copy instead of adding a
second meeting. Times are written in UTC (``...Z``): each program shows them in its owner's zone.

Written by hand rather than with a library: an invitation needs a dozen properties, and the rules
that matter (CRLF line ends, text escaping, folding at 75 octets) are short and tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

PRODID = "-//Advocacy//Scheduling//EN"
MAX_LINE_OCTETS = 75
CRLF = "\r\n"


class Method:
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    method: str
    start: datetime
    end: datetime
    summary: str
    organizer: Person
    attendees: list[Person] = field(default_factory=list)
    description: str = ""
    location: str = ""
    url: str = ""
    stamp: datetime | None = None


def escape_text(value: str) -> str:
    r"""TEXT values (RFC 5545 §3.3.11): backslash, semicolon and comma are escaped, and line
    breaks become ``\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def param_value(value: str) -> str:
    """A parameter value (such as CN): quoted when it holds ``:``, ``;`` or ``,``. Double quotes
    and control characters cannot appear in one at all (§3.1), so they are dropped."""
    cleaned = "".join(char for char in value if char != '"' and (char == "\t" or ord(char) >= 0x20))
    if any(char in cleaned for char in ":;,"):
        return f'"{cleaned}"'
    return cleaned


def format_utc(moment: datetime) -> str:
    """DATE-TIME in UTC form: 19980119T070000Z."""
    if timezone.is_naive(moment):
        raise ValueError("Calendar times must be aware.")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Splits a content line into lines of at most 75 octets (§3.1), never inside a UTF-8
    character; each continuation line starts with one space, which counts toward its 75."""
    encoded = line.encode()
    if len(encoded) <= MAX_LINE_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    current_octets = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        size = len(char.encode())
        if current_octets + size > limit:
            parts.append(current)
            current, current_octets = "", 0
            limit = MAX_LINE_OCTETS - 1  # the leading space of a continuation line
        current += char
        current_octets += size
    parts.append(current)
    return (CRLF + " ").join(parts)


def _mailto(person: Person, prefix: str, extra: str = "") -> str:
    name = f";CN={param_value(person.name)}" if person.name else ""
    return f"{prefix}{name}{extra}:mailto:{person.email}"


def build_invitation(invitation: Invitation) -> str:
    """The .ics text of one invitation (METHOD REQUEST) or cancellation (METHOD CANCEL)."""
    if invitation.method not in (Method.REQUEST, Method.CANCEL):
        raise ValueError(f"Unknown calendar method: {invitation.method}")
    if invitation.end <= invitation.start:
        raise ValueError("A meeting ends after it starts.")
    cancelled = invitation.method == Method.CANCEL
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invitation.method}",
        "BEGIN:VEVENT",
        f"UID:{invitation.uid}",
        f"SEQUENCE:{invitation.sequence}",
        f"DTSTAMP:{format_utc(invitation.stamp or timezone.now())}",
        f"DTSTART:{format_utc(invitation.start)}",
        f"DTEND:{format_utc(invitation.end)}",
        f"SUMMARY:{escape_text(invitation.summary)}",
        _mailto(invitation.organizer, "ORGANIZER"),
    ]
    for attendee in invitation.attendees:
        lines.append(_mailto(attendee, "ATTENDEE", ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"))
    if invitation.description:
        lines.append(f"DESCRIPTION:{escape_text(invitation.description)}")
    if invitation.location:
        lines.append(f"LOCATION:{escape_text(invitation.location)}")
    if invitation.url:
        lines.append(f"URL:{invitation.url}")
    lines += [
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)


def ask_uid(ask_public_id: object) -> str:
    """Stable per ask: every update and the cancellation name the same event."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "advocacy.invalid"
    return f"ask-{ask_public_id}@{domain}"


def organizer_for(organization_name: str) -> Person:
    """The program team, at the platform's address (replies reach no one's private inbox)."""
    return Person(email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1], name=organization_name)
