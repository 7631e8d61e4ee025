"""CRM opportunities: the list page, the CSV import (row-level errors, nothing written unless every
row is valid or "valid rows only" is ticked, update by CRM id, audit), the API, and the star rating
recorded on review activities."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from advocacy.models import AuditEvent
from advocacy.roles import Role
from advocates.models import Activity
from reporting.models import Opportunity
from reporting.opportunity_import import MAX_ROWS
from requests_mgmt.models import RequestStatus
from tests.factories import ActivityFactory, AdvocacyRequestFactory, AdvocateFactory

pytestmark = pytest.mark.django_db

HEADER = "crm_id,name,segment,amount,opened_on,closed_on,result\n"


def opportunity(org: Any, crm_id: str, **values: Any) -> Opportunity:
    values.setdefault("opened_on", date(2026, 3, 1))
    return Opportunity.objects.create(organization=org, crm_id=crm_id, **values)


def upload(text: str, *, bom: bool = False, name: str = "opportunities.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8")
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data, content_type="text/csv")


def import_url(org: Any) -> str:
    return f"/o/{org.slug}/reports/opportunities/import/"


def post_import(client: Any, org: Any, text: str, *, action: str = "import", valid_only: bool = False, **kw: Any):
    data: dict[str, Any] = {"file": upload(text, **kw), "action": action}
    if valid_only:
        data["valid_rows_only"] = "on"
    return client.post(import_url(org), data)


def crm_ids(org: Any) -> list[str]:
    return sorted(Opportunity.objects.filter(organization=org).values_list("crm_id", flat=True))


# The import ----------------------------------------------------------------------------------------------


def test_a_valid_file_with_a_bom_is_imported_and_audited(org: Any, members: Any, client_for: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    response = post_import(
        client_for(manager),
        org,
        HEADER + "A-1,Big deal,enterprise,12000.50,2026-01-02,2026-03-01,won\n"
        "A-2,,,,2026-02-01,,\n"
        "A-3,Lost one,SMB,0,2026-02-01,2026-02-01,Lost\n",
        bom=True,
    )
    assert response.status_code == 302 and response["Location"].endswith("/reports/opportunities/")
    first = Opportunity.objects.get(organization=org, crm_id="A-1")
    assert (first.name, first.segment, first.amount, first.result) == (
        "Big deal",
        "enterprise",
        Decimal("12000.50"),
        "won",
    )
    assert first.closed_on == date(2026, 3, 1)
    second = Opportunity.objects.get(organization=org, crm_id="A-2")
    assert (second.result, second.amount, second.closed_on, second.segment) == ("open", None, None, "")
    assert Opportunity.objects.get(organization=org, crm_id="A-3").segment == "smb"
    event = AuditEvent.objects.get(organization=org, verb="opportunity.imported")
    assert event.actor == manager
    assert event.data == {"file": "opportunities.csv", "created": 3, "updated": 0, "unchanged": 0, "skipped": 0}


def test_row_level_errors_and_nothing_written(org: Any, members: Any, client_for: Any) -> None:
    opportunity(org, "KEEP", name="Before")
    text = (
        HEADER
        + "B-1,Fine,,100,2026-01-01,,open\n"  # row 2: valid
        + "B-2,,,,2026-13-01,,open\n"  # row 3: bad date
        + "B-3,,,,2026-03-01,2026-02-01,won\n"  # row 4: closed before opened
        + "B-4,,galaxy,,2026-03-01,,open\n"  # row 5: unknown segment
        + "B-5,,,,2026-03-01,2026-03-02,maybe\n"  # row 6: unknown result
        + "B-6,,,-5,2026-03-01,,open\n"  # row 7: negative amount
        + "B-1,,,,2026-03-01,,open\n"  # row 8: duplicate CRM id
        + "B-7,,,,2026-03-01,,won\n"  # row 9: won without a closing date
        + "KEEP,After,,,2026-03-01,,open\n"  # row 10: valid (an update)
        + ",,,,2026-03-01,,open\n"  # row 11: no CRM id
    )
    response = post_import(client_for(members[Role.ADMIN]), org, text)
    assert response.status_code == 200
    errors = {(error.row, error.column) for error in response.context["parsed"].errors}
    assert errors == {
        (3, "opened_on"),
        (4, "closed_on"),
        (5, "segment"),
        (6, "result"),
        (7, "amount"),
        (8, "crm_id"),
        (9, "closed_on"),
        (11, "crm_id"),
    }
    body = response.content.decode()
    assert "Nothing was imported" in body and "already on row 2" in body and "galaxy" in body
    assert "The amount cannot be negative." in body
    assert response.context["would_create"] == 1 and response.context["would_update"] == 1
    assert crm_ids(org) == ["KEEP"] and Opportunity.objects.get(crm_id="KEEP").name == "Before"
    assert not AuditEvent.objects.filter(organization=org, verb="opportunity.imported").exists()


def test_valid_rows_only_writes_just_those_and_updates_by_crm_id(org: Any, members: Any, client_for: Any) -> None:
    opportunity(org, "KEEP", name="Before")
    opportunity(org, "SAME", name="Same", opened_on=date(2026, 1, 1))
    text = (
        HEADER
        + "C-1,New,,100,2026-01-01,,open\n"
        + "C-2,,,,not-a-date,,open\n"
        + "KEEP,After,mid_market,,2026-03-01,2026-04-01,lost\n"
        + "SAME,Same,,,2026-01-01,,open\n"
    )
    response = post_import(client_for(members[Role.PROGRAM_MANAGER]), org, text, valid_only=True)
    assert response.status_code == 302
    assert crm_ids(org) == ["C-1", "KEEP", "SAME"]
    kept = Opportunity.objects.get(organization=org, crm_id="KEEP")
    assert (kept.name, kept.segment, kept.result, kept.closed_on) == ("After", "mid_market", "lost", date(2026, 4, 1))
    event = AuditEvent.objects.get(organization=org, verb="opportunity.imported")
    assert event.data["created"] == 1 and event.data["updated"] == 1
    assert event.data["unchanged"] == 1 and event.data["skipped"] == 1


def test_checking_a_file_writes_nothing(org: Any, members: Any, client_for: Any) -> None:
    response = post_import(client_for(members[Role.ADMIN]), org, HEADER + "D-1,,,,2026-01-01,,open\n", action="check")
    assert response.status_code == 200 and response.context["parsed"].clean
    assert "Every row is valid" in response.content.decode()
    assert crm_ids(org) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,amount\nX,1\n", "missing: crm_id, opened_on"),
        ("crm_id,opened_on,colour\nX,2026-01-01,red\n", "Unknown columns: colour"),
        ("crm_id,opened_on\n", "no rows"),
        ("", "empty"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused(
    org: Any, members: Any, client_for: Any, content: str, message: str
) -> None:
    response = post_import(client_for(members[Role.ADMIN]), org, content)
    assert response.status_code == 400 and message in response.content.decode()
    assert crm_ids(org) == []


def test_size_row_and_encoding_limits(org: Any, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.ADMIN])
    too_many = "crm_id,opened_on\n" + "".join(f"R-{n},2026-01-01\n" for n in range(MAX_ROWS + 1))
    response = post_import(client, org, too_many)
    assert response.status_code == 400 and "more than 20,000 rows" in response.content.decode()
    big = SimpleUploadedFile("big.csv", b"crm_id,opened_on\n" + b"x" * (5 * 1024 * 1024), content_type="text/csv")
    response = client.post(import_url(org), {"file": big, "action": "import"})
    assert response.status_code == 400 and "larger than 5 MB" in response.content.decode()
    latin = SimpleUploadedFile("latin.csv", "crm_id,name,opened_on\nE-1,Caf\xe9,2026-01-01\n".encode("latin-1"))
    response = client.post(import_url(org), {"file": latin, "action": "import"})
    assert response.status_code == 200 and "not UTF-8" in response.content.decode()
    assert crm_ids(org) == []


def test_import_access(org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any) -> None:
    text = HEADER + "F-1,,,,2026-01-01,,open\n"
    assert client_for(members[Role.PROGRAM_MANAGER]).get(import_url(org)).status_code == 200
    for role in (Role.EXECUTIVE, Role.SALES, Role.CSM):
        client = client_for(members[role])
        assert client.get(import_url(org)).status_code == 403, role
        assert post_import(client, org, text).status_code == 403, role
    assert post_import(client_for(other_manager), org, text).status_code == 404
    assert post_import(client_for(outsider), org, text).status_code == 404
    assert crm_ids(org) == []


# The list page -------------------------------------------------------------------------------------------


@pytest.fixture
def listed(org: Any, other_org: Any) -> None:
    AdvocacyRequestFactory(organization=org, status=RequestStatus.COMPLETED, crm_opportunity_id="L-1")
    ActivityFactory(organization=org, crm_opportunity_id="L-2", occurred_on=date(2026, 2, 1))
    opportunity(org, "L-1", name="Acme renewal", opened_on=date(2026, 1, 5), closed_on=date(2026, 2, 5), result="won")
    opportunity(org, "L-2", name="Globex", opened_on=date(2026, 2, 1))
    opportunity(org, "L-3", name="Initech", opened_on=date(2026, 3, 1), closed_on=date(2026, 4, 1), result="lost")
    opportunity(org, "OLD", opened_on=date(2024, 1, 1), closed_on=date(2024, 2, 1), result="lost")
    for n in range(30):
        opportunity(org, f"BULK-{n:02}", opened_on=date(2026, 4, 1))
    opportunity(other_org, "L-4", name="Acme elsewhere", opened_on=date(2026, 1, 5))


def list_url(org: Any, query: str = "") -> str:
    return f"/o/{org.slug}/reports/opportunities/?start=2026-01-01&end=2026-06-30{query}"


def test_list_filters_searches_paginates_and_shows_advocacy(
    org: Any, listed: None, members: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(members[Role.EXECUTIVE])
    with django_assert_max_num_queries(14):
        page = client.get(list_url(org))
    assert page.status_code == 200
    assert page.context["listing"].paginator.count == 33 and len(page.context["list_rows"]) == 25
    assert "Import a CSV file" not in page.content.decode()  # executives read only
    assert client.get(list_url(org, "&page=2")).context["list_rows"][-1][0] in {"L-1", "L-2", "L-3"}
    found = client.get(list_url(org, "&q=acme")).context["list_rows"]
    assert [(row[0], row[-1]) for row in found] == [("L-1", True)]
    lost = client.get(list_url(org, "&result=lost")).context["list_rows"]
    assert [(row[0], row[-1]) for row in lost] == [("L-3", False)]
    open_rows = client.get(list_url(org, "&q=L-2")).context["list_rows"]
    assert [(row[0], row[-1]) for row in open_rows] == [("L-2", True)]
    summary = page.context["panels"][0]
    assert {str(figure.label): figure.value for figure in summary.figures}["Had advocacy"] == round(200 / 33, 1)


def test_list_and_summary_download_as_csv(org: Any, listed: None, members: Any, client_for: Any) -> None:
    client = client_for(members[Role.PROGRAM_MANAGER])
    response = client.get(list_url(org, "&result=won&export=opportunities"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert rows == [
        ["CRM ID", "Name", "Segment", "Amount", "Opened on", "Closed on", "Result", "Had advocacy"],
        ["L-1", "Acme renewal", "", "", "2026-01-05", "2026-02-05", "Won", "yes"],
    ]
    summary = client.get(list_url(org, "&export=opportunity-summary"))
    summary_rows = list(csv.reader(io.StringIO(summary.content.decode("utf-8-sig"))))
    assert summary_rows[1:] == [["Open", "1", "30", ""], ["Won", "1", "0", ""], ["Lost", "0", "1", ""]]


def test_list_access(org: Any, members: Any, other_manager: Any, outsider: Any, client_for: Any) -> None:
    url = list_url(org)
    assert client_for(members[Role.ADMIN]).get(url).status_code == 200
    assert client_for(members[Role.SALES]).get(url).status_code == 403
    assert client_for(other_manager).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


# The API -------------------------------------------------------------------------------------------------


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def base(org: Any) -> str:
    return f"/api/v1/orgs/{org.slug}/opportunities/"


def fields_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    return dict(response.json()["error"]["fields"])


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def test_api_list_filters_and_query_count(
    org: Any, listed: None, members: Any, django_assert_max_num_queries: Any
) -> None:
    client = api(members[Role.EXECUTIVE])
    with django_assert_max_num_queries(8):
        everything = items(client.get(base(org), {"page_size": 100}))
    assert len(everything) == 34 and "L-4" not in {item["crm_id"] for item in everything}
    won = items(client.get(base(org), {"result": "won"}))
    assert [(item["crm_id"], item["had_advocacy"]) for item in won] == [("L-1", True)]
    closed = items(client.get(base(org), {"closed_from": "2026-02-01", "closed_to": "2026-12-31"}))
    assert {item["crm_id"] for item in closed} == {"L-1", "L-3"}
    assert "closed_from" in fields_of(client.get(base(org), {"closed_from": "soon"}))
    assert "closed_to" in fields_of(client.get(base(org), {"closed_from": "2026-05-01", "closed_to": "2026-01-01"}))
    assert "result" in fields_of(client.get(base(org), {"result": "maybe"}))


def test_api_create_update_delete_with_audit(org: Any, members: Any) -> None:
    manager = members[Role.PROGRAM_MANAGER]
    client = api(manager)
    created = client.post(
        base(org),
        {"crm_id": "N-1", "name": "New", "segment": "smb", "amount": "2500.00", "opened_on": "2026-02-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["result"] == "open" and body["had_advocacy"] is False and body["amount"] == "2500.00"
    url = f"{base(org)}{body['id']}/"
    assert client.get(url).json()["crm_id"] == "N-1"
    changed = client.patch(url, {"result": "won", "closed_on": "2026-03-01"}, format="json")
    assert changed.status_code == 200 and changed.json()["closed_on"] == "2026-03-01"
    assert client.delete(url).status_code == 204
    assert not Opportunity.objects.filter(organization=org).exists()
    events = AuditEvent.objects.filter(organization=org, verb__startswith="opportunity.").order_by("id")
    assert [event.verb for event in events] == ["opportunity.created", "opportunity.updated", "opportunity.deleted"]
    assert all(event.actor == manager for event in events)
    assert events[1].data["result"] == {"from": "open", "to": "won"}


def test_api_bad_input(org: Any, other_org: Any, members: Any) -> None:
    client = api(members[Role.ADMIN])
    opportunity(org, "TAKEN")
    opportunity(other_org, "THEIRS")
    assert "CRM ID" in fields_of(client.post(base(org), {"crm_id": "TAKEN", "opened_on": "2026-01-01"}))["crm_id"][0]
    # Another organisation's CRM id is no clash.
    assert client.post(base(org), {"crm_id": "THEIRS", "opened_on": "2026-01-01"}).status_code == 201
    assert "opened_on" in fields_of(client.post(base(org), {"crm_id": "X", "opened_on": "01/02/2026"}))
    fields = fields_of(
        client.post(base(org), {"crm_id": "X", "opened_on": "2026-03-01", "closed_on": "2026-02-01", "result": "won"})
    )
    assert "before it was opened" in fields["closed_on"][0]
    assert "closed_on" in fields_of(
        client.post(base(org), {"crm_id": "X", "opened_on": "2026-03-01", "result": "lost"})
    )
    assert "amount" in fields_of(client.post(base(org), {"crm_id": "X", "opened_on": "2026-03-01", "amount": "-1"}))
    assert "colour" in fields_of(client.post(base(org), {"crm_id": "X", "opened_on": "2026-03-01", "colour": "red"}))
    own = Opportunity.objects.get(organization=org, crm_id="THEIRS")
    url = f"{base(org)}{own.public_id}/"
    assert "crm_id" in fields_of(client.patch(url, {"crm_id": "TAKEN"}, format="json"))
    assert "closed_on" in fields_of(client.patch(url, {"closed_on": "2026-01-02"}, format="json"))
    assert "closed_on" in fields_of(client.patch(url, {"result": "won"}, format="json"))
    assert not Opportunity.objects.filter(organization=org, crm_id="X").exists()


def test_api_access(org: Any, other_org: Any, members: Any, other_manager: Any, outsider: Any) -> None:
    mine = opportunity(org, "MINE")
    theirs = opportunity(other_org, "THEIRS")
    url = f"{base(org)}{mine.public_id}/"
    executive = api(members[Role.EXECUTIVE])
    assert executive.get(url).status_code == 200
    assert executive.post(base(org), {"crm_id": "E", "opened_on": "2026-01-01"}).status_code == 403
    assert executive.patch(url, {"name": "No"}, format="json").status_code == 403
    assert executive.delete(url).status_code == 403
    assert api(members[Role.SALES]).get(base(org)).status_code == 403
    manager = api(members[Role.PROGRAM_MANAGER])
    assert manager.get(f"{base(org)}{theirs.public_id}/").status_code == 404
    assert manager.delete(f"{base(org)}{theirs.public_id}/").status_code == 404
    assert api(other_manager).get(url).status_code == 404
    assert api(other_manager).get(base(org)).status_code == 404
    assert api(outsider).get(base(org)).status_code == 404
    assert (
        Opportunity.objects.filter(organization=other_org).exists() and Opportunity.objects.get(pk=mine.pk).name == ""
    )


# Review ratings on activities ----------------------------------------------------------------------------


def test_rating_recorded_on_reviews_only_through_the_api(org: Any, members: Any, activity_types: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    client = api(members[Role.PROGRAM_MANAGER])
    url = f"/api/v1/orgs/{org.slug}/activities/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    review = client.post(
        url, {"advocate": str(advocate.public_id), "activity_type": "review", "occurred_on": yesterday, "rating": 4}
    )
    assert review.status_code == 201 and review.json()["rating"] == 4
    fields = fields_of(
        client.post(
            url,
            {"advocate": str(advocate.public_id), "activity_type": "case_study", "occurred_on": yesterday, "rating": 5},
        )
    )
    assert "review" in fields["rating"][0]
    assert "rating" in fields_of(
        client.post(
            url, {"advocate": str(advocate.public_id), "activity_type": "review", "occurred_on": yesterday, "rating": 6}
        )
    )
    planned = ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["review"], status=Activity.Status.PLANNED
    )
    status_url = f"{url}{planned.public_id}/status/"
    assert "rating" in fields_of(client.post(status_url, {"status": "cancelled", "rating": 3}))
    done = client.post(status_url, {"status": "completed", "rating": 3})
    assert done.status_code == 200 and done.json()["rating"] == 3
    other = ActivityFactory(
        organization=org, advocate=advocate, activity_type=activity_types["testimonial"], status=Activity.Status.PLANNED
    )
    assert "rating" in fields_of(client.post(f"{url}{other.public_id}/status/", {"status": "completed", "rating": 3}))
    assert Activity.objects.get(pk=other.pk).status == Activity.Status.PLANNED


def test_rating_in_the_activity_form(org: Any, members: Any, activity_types: Any, client_for: Any) -> None:
    advocate = AdvocateFactory(organization=org)
    client = client_for(members[Role.PROGRAM_MANAGER])
    url = f"/o/{org.slug}/advocates/{advocate.public_id}/activities/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    form = {"occurred_on": yesterday, "status": "completed", "minutes": 20, "rating": 5}
    refused = client.post(url, {**form, "activity_type": activity_types["testimonial"].pk}, follow=True)
    assert "Only a review-site review has a star rating" in refused.content.decode()
    assert not Activity.objects.filter(organization=org, advocate=advocate).exists()
    client.post(url, {**form, "activity_type": activity_types["review"].pk})
    recorded = Activity.objects.get(organization=org, advocate=advocate)
    assert recorded.rating == 5
    detail = client.get(f"/o/{org.slug}/advocates/{advocate.public_id}/").content.decode()
    assert "5 of 5 stars" in detail
