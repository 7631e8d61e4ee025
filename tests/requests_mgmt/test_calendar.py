"""Calendar invitations (RFC 5545): CRLF line ends, lines folded at 75 octets without splitting a
character, TEXT escaping, times in UTC, and one stable UID per ask with its SEQUENCE."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from requests_mgmt.calendar import (
    Invitation,
    Method,
    Person,
    ask_uid,
    build_invitation,
    escape_text,
    fold,
    param_value,
)


def unfold(text: str) -> list[str]:
    """Content lines as a calendar program reads them (§3.1: CRLF followed by one space joins)."""
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def invitation(**changes: object) -> Invitation:
    values: dict[str, object] = {
        "uid": "ask-1@advocacy.test",
        "sequence": 0,
        "method": Method.REQUEST,
        "start": datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("America/Sao_Paulo")),
        "end": datetime(2030, 3, 4, 9, 45, tzinfo=ZoneInfo("America/Sao_Paulo")),
        "summary": "Reference call · Alpha Analytics",
        "organizer": Person("program@advocacy.test", "Alpha Analytics"),
        "attendees": [Person("ana@customer.example", "Ana Souza"), Person("sales@alpha.test", "Sam, Sales")],
        "description": "Line one; with a comma, and a \\ backslash\nLine two",
        "location": "https://meet.example/abc",
        "stamp": datetime(2030, 3, 1, 12, 0, tzinfo=UTC),
    }
    values.update(changes)
    return Invitation(**values)  # type: ignore[arg-type]


def test_every_line_ends_in_crlf_and_fits_in_75_octets() -> None:
    text = build_invitation(invitation(description="Olá, você vai falar com a equipe de dados 日本語のテキスト " * 8))
    assert "\n" not in text.replace("\r\n", "")
    physical = text[:-2].split("\r\n")
    assert all(len(line.encode()) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)  # the long description was folded
    text.encode().decode("utf-8")  # folding never split a multi-byte character


def test_fold_counts_octets_not_characters() -> None:
    line = "DESCRIPTION:" + "日" * 40  # 12 + 120 octets
    folded = fold(line)
    parts = folded.split("\r\n")
    assert [len(part.encode()) <= 75 for part in parts] == [True] * len(parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if index else part for index, part in enumerate(parts)) == line
    assert fold("SHORT:ok") == "SHORT:ok"


def test_text_is_escaped_and_unfolds_to_the_original() -> None:
    assert escape_text("a;b,c\\d\r\ne") == "a\\;b\\,c\\\\d\\ne"
    lines = unfold(build_invitation(invitation()))
    assert "DESCRIPTION:Line one\\; with a comma\\, and a \\\\ backslash\\nLine two" in lines
    assert "SUMMARY:Reference call · Alpha Analytics" in lines


def test_parameters_with_separators_are_quoted() -> None:
    assert param_value("Sam, Sales") == '"Sam, Sales"'
    assert param_value('Ana "the data" Souza') == "Ana the data Souza"
    lines = unfold(build_invitation(invitation()))
    assert (
        'ATTENDEE;CN="Sam, Sales";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:sales@alpha.test'
        in lines
    )
    assert "ORGANIZER;CN=Alpha Analytics:mailto:program@advocacy.test" in lines


def test_times_are_in_utc_and_the_structure_is_complete() -> None:
    lines = unfold(build_invitation(invitation(sequence=3)))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and "METHOD:REQUEST" in lines and "STATUS:CONFIRMED" in lines
    assert "DTSTART:20300304T120000Z" in lines  # 09:00 in São Paulo (UTC-3)
    assert "DTEND:20300304T124500Z" in lines
    assert "DTSTAMP:20300301T120000Z" in lines
    assert "UID:ask-1@advocacy.test" in lines and "SEQUENCE:3" in lines
    assert lines.index("BEGIN:VEVENT") < lines.index("UID:ask-1@advocacy.test") < lines.index("END:VEVENT")


def test_cancellation() -> None:
    lines = unfold(build_invitation(invitation(method=Method.CANCEL, sequence=2)))
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines and "SEQUENCE:2" in lines


def test_refuses_naive_times_and_backwards_meetings() -> None:
    with pytest.raises(ValueError):
        build_invitation(invitation(start=datetime(2030, 3, 4, 9), end=datetime(2030, 3, 4, 10)))
    start = datetime(2030, 3, 4, 9, tzinfo=UTC)
    with pytest.raises(ValueError):
        build_invitation(invitation(start=start, end=start - timedelta(minutes=5)))
    with pytest.raises(ValueError):
        build_invitation(invitation(method="PUBLISH"))


def test_uid_is_stable_per_ask() -> None:
    ask_id = uuid.uuid4()
    assert ask_uid(ask_id) == ask_uid(ask_id)
    assert ask_uid(ask_id) != ask_uid(uuid.uuid4())
    assert ask_uid(ask_id).startswith(f"ask-{ask_id}@")
