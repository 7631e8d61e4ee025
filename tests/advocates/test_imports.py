"""CSV import and export: column mapping, the dry run and its row-level errors, the confirmed upsert,
idempotency, tenant isolation, access by role, and queries that do not grow with the file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from advocacy.models import AuditEvent, Organization
from advocacy.roles import Role
from advocates import imports
from advocates.models import (
    AccountProduct,
    Advocate,
    AdvocateStatusChange,
    CustomerAccount,
    HealthScoreChange,
    ImportJob,
    NpsResponse,
    Product,
)
from tests.factories import AdvocateFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

ADVOCATE_HEADER = ["Email", "Full name", "Account", "Job title", "NPS", "Languages", "Time zone", "Tags"]
ACCOUNT_HEADER = [
    "Account name",
    "CRM ID",
    "Industry",
    "Segment",
    "Region",
    "Country",
    "Health",
    "CSM email",
    "Products",
]


@pytest.fixture(autouse=True)
def _import_files_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.IMPORT_ROOT = tmp_path / "imports"


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def base(organization: Organization) -> str:
    return f"/o/{organization.slug}/advocates/imports/"


@dataclass
class Flow:
    """Drives the import pages as a program manager would, running the queued tasks eagerly."""

    client: Client
    organization: Organization
    capture: Any

    def upload(self, kind: str, content: bytes, name: str = "data.csv") -> Any:
        upload = SimpleUploadedFile(name, content, content_type="text/csv")
        return self.client.post(base(self.organization) + "new/", {"kind": kind, "file": upload})

    def check(self, kind: str, content: bytes, mapping: dict[str, str] | None = None) -> ImportJob:
        response = self.upload(kind, content)
        assert response.status_code == 302, response.content.decode()
        match = re.search(r"/imports/([0-9a-f-]{36})/columns/", response["Location"])
        assert match is not None, response["Location"]
        public_id = match.group(1)
        job = ImportJob.objects.get(organization=self.organization, public_id=public_id)
        assert job.status == ImportJob.Status.UPLOADED
        chosen = mapping if mapping is not None else imports.guess_mapping(kind=kind, headers=job.headers)
        data = {field.name: chosen.get(field.name, "") for field in imports.fields_for(kind)}
        with self.capture(execute=True):
            response = self.client.post(base(self.organization) + f"{public_id}/columns/", data)
        assert response.status_code == 302, response.content.decode()
        job.refresh_from_db()
        return job

    def confirm(self, job: ImportJob) -> ImportJob:
        with self.capture(execute=True):
            response = self.client.post(base(self.organization) + f"{job.public_id}/confirm/")
        assert response.status_code == 302
        job.refresh_from_db()
        return job

    def run(self, kind: str, content: bytes) -> ImportJob:
        job = self.check(kind, content)
        assert job.status == ImportJob.Status.VALIDATED, job.failure
        return self.confirm(job)


@pytest.fixture
def flow(org: Organization, members: Any, client_for: Any, django_capture_on_commit_callbacks: Any) -> Flow:
    return Flow(client_for(members[Role.PROGRAM_MANAGER]), org, django_capture_on_commit_callbacks)


def snapshot() -> dict[str, int]:
    """How many rows each table an import writes to holds (every tenant)."""
    return {
        "accounts": CustomerAccount.objects.count(),
        "advocates": Advocate.objects.count(),
        "health": HealthScoreChange.objects.count(),
        "nps": NpsResponse.objects.count(),
        "status_changes": AdvocateStatusChange.objects.count(),
        "products": Product.objects.count(),
        "account_products": AccountProduct.objects.count(),
        "audit": AuditEvent.objects.filter(verb="import.completed").count(),
    }


def problems(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(error["row"], error["column"], error["message"]) for error in imports.errors_for_display(job)]


# --- Mapping ------------------------------------------------------------------------------------------


def test_mapping_is_guessed_from_column_names_ignoring_case_spaces_and_punctuation() -> None:
    headers = ["E-mail", "Full Name", "Company", "JOB_TITLE", "nps", "Time zone", "Favourite colour"]
    assert imports.guess_mapping(kind=ImportJob.Kind.ADVOCATES, headers=headers) == {
        "email": "E-mail",
        "full_name": "Full Name",
        "account": "Company",
        "title": "JOB_TITLE",
        "nps_score": "nps",
        "time_zone": "Time zone",
    }
    accounts = imports.guess_mapping(kind=ImportJob.Kind.ACCOUNTS, headers=["Name", "crm id", "Health", "CSM"])
    assert accounts == {"name": "Name", "crm_id": "crm id", "health_score": "Health", "csm_email": "CSM"}


def test_a_column_named_exactly_like_a_field_wins_over_an_alias() -> None:
    # "name" is an alias of the advocate's full name, but "full_name" names the field itself.
    mapping = imports.guess_mapping(kind=ImportJob.Kind.ADVOCATES, headers=["name", "full_name", "email"])
    assert mapping["full_name"] == "full_name"


def test_mapping_page_proposes_columns_and_requires_the_required_fields(flow: Flow) -> None:
    response = flow.upload(ImportJob.Kind.ADVOCATES, csv_bytes([ADVOCATE_HEADER, ["a@b.example", "A", "X"]]))
    mapping_url = response["Location"]
    page = flow.client.get(mapping_url).content.decode()
    assert '<option value="Email" selected>' in page and "required" in page
    response = flow.client.post(mapping_url, {"email": "Email", "full_name": "", "account": "Account"})
    assert response.status_code == 400
    job = ImportJob.objects.get(organization=flow.organization)
    assert job.status == ImportJob.Status.UPLOADED and job.mapping == {}


# --- The dry run ----------------------------------------------------------------------------------------


def test_dry_run_lists_every_advocate_error_with_its_row_and_writes_nothing(flow: Flow) -> None:
    org = flow.organization
    account = CustomerAccountFactory(organization=org, name="Harbor Labs", crm_id="CRM-1")
    AdvocateFactory(organization=org, account=account, email="known@customer.example", title="Old title")
    before = snapshot()
    content = csv_bytes(
        [
            ADVOCATE_HEADER,
            ["ana@customer.example", "Ana Costa", "CRM-1", "CTO", "9", "en pt", "Europe/Lisbon", "fintech"],  # 2
            ["not-an-email", "Bad Email", "CRM-1", "", "", "", "", ""],  # 3
            ["nps@customer.example", "Too Happy", "Harbor Labs", "", "11", "", "", ""],  # 4
            ["ANA@customer.example", "Ana Again", "CRM-1", "", "", "", "", ""],  # 5: same email as row 2
            ["Known@Customer.example", "Known Person", "CRM-1", "New title", "", "", "", ""],  # 6: an update
            ["lost@customer.example", "Lost Person", "CRM-404", "", "", "", "", ""],  # 7
        ]
    ) + "josé@customer.example,José,CRM-1,,,,,\r\n".encode("latin-1")  # 8
    job = flow.check(ImportJob.Kind.ADVOCATES, content)

    assert job.status == ImportJob.Status.VALIDATED
    assert (job.total_rows, job.valid_rows, job.error_rows) == (7, 2, 5)
    assert (job.created_count, job.updated_count) == (1, 1)
    found = problems(job)
    assert found == [
        (3, "Email", "“not-an-email” is not a valid email address."),
        (4, "NPS", "11 is out of range: use a whole number from 0 to 10."),
        (5, "Email", "The email address ana@customer.example is also on row 2 of this file."),
        (7, "Account", "No account with the CRM ID or name “CRM-404” in this organisation."),
        (8, "", "This row is not UTF-8 text: save the file as “CSV UTF-8” and upload it again."),
    ]
    assert snapshot() == before
    assert Advocate.objects.get(email="known@customer.example").title == "Old title"

    page = flow.client.get(base(org) + f"{job.public_id}/").content.decode()
    assert "not-an-email" in page and "Import 2 rows" in page and "CSV UTF-8" in page


def test_dry_run_lists_account_errors(flow: Flow, members: Any) -> None:
    before = snapshot()
    content = csv_bytes(
        [
            ACCOUNT_HEADER,
            ["Harbor Labs", "CRM-1", "software", "Mid-market", "EMEA", "pt", "85", "csm@alpha.test", "Insights"],
            ["Moon Corp", "CRM-2", "Space mining", "", "", "", "", "", ""],
            ["Sun Corp", "CRM-3", "Energy", "huge", "", "Portugal", "101", "stranger@else.test", ""],
            ["Harbor Copy", "CRM-1", "", "", "", "", "", "", ""],
        ]
    )
    job = flow.check(ImportJob.Kind.ACCOUNTS, content)
    assert (job.valid_rows, job.error_rows, job.created_count) == (1, 3, 1)
    assert problems(job) == [
        (3, "Industry", "Unknown industry “Space mining”."),
        (4, "Segment", "“huge” is not one of: enterprise, mid_market, smb."),
        (4, "Country", "“Portugal” is not a two-letter country code such as PT, US or JP."),
        (4, "Health", "101 is out of range: use a whole number from 0 to 100."),
        (4, "CSM email", "stranger@else.test is not a member of this organisation."),
        (5, "CRM ID", "The CRM ID CRM-1 is also on row 2 of this file."),
    ]
    assert snapshot() == before


def test_a_file_that_is_not_utf8_text_is_refused_at_upload(flow: Flow) -> None:
    content = "Nome,Endereço de e-mail\r\nJosé,jose@example.test\r\n".encode("latin-1")
    response = flow.upload(ImportJob.Kind.ADVOCATES, content)
    assert response.status_code == 400
    assert "The file is not UTF-8 text: save it as “CSV UTF-8”" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_semicolon_separated_file_with_a_byte_order_mark_is_read(flow: Flow) -> None:
    CustomerAccountFactory(organization=flow.organization, crm_id="CRM-1")
    content = "\ufeffEmail;Full name;Account\r\nana@customer.example;Ana;CRM-1\r\n".encode()
    job = flow.check(ImportJob.Kind.ADVOCATES, content)
    assert job.headers == ["Email", "Full name", "Account"] and job.encoding == "utf-8-sig"
    assert (job.valid_rows, job.error_rows) == (1, 0)


# --- Importing --------------------------------------------------------------------------------------------


def test_confirmed_import_upserts_and_a_second_run_changes_nothing(flow: Flow, members: Any) -> None:
    org = flow.organization
    manager = members[Role.PROGRAM_MANAGER]
    accounts = csv_bytes(
        [
            ACCOUNT_HEADER,
            [
                "Harbor Labs",
                "CRM-1",
                "software",
                "Mid-market",
                "EMEA",
                "pt",
                "85",
                "CSM@alpha.test",
                "Insights; Pipelines",
            ],
            ["Tokyo Shop", "", "Retail", "smb", "Asia-Pacific", "JP", "72", "", "Insights"],
        ]
    )
    job = flow.run(ImportJob.Kind.ACCOUNTS, accounts)
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.error_rows) == (2, 0, 0)
    harbor = CustomerAccount.objects.get(organization=org, crm_id="CRM-1")
    assert (harbor.industry, harbor.segment, harbor.region, harbor.country) == ("Software", "mid_market", "emea", "PT")
    assert harbor.csm == members[Role.CSM] and harbor.health_score == 85 and harbor.health_updated_at is not None
    assert sorted(harbor.products.values_list("name", flat=True)) == ["Insights", "Pipelines"]
    history = HealthScoreChange.objects.get(account=harbor)
    assert (history.score, history.previous, history.source, history.recorded_by) == (85, None, "import", manager)

    advocates = csv_bytes(
        [
            ADVOCATE_HEADER,
            ["Ana@Customer.example", "Ana Costa", "CRM-1", "CTO", "9", "English, pt", "europe/lisbon", "fintech; data"],
            ["ken@shop.example", "Ken Sato", "tokyo shop", "Buyer", "", "ja", "", ""],
        ]
    )
    job = flow.run(ImportJob.Kind.ADVOCATES, advocates)
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 2, 0)
    ana = Advocate.objects.get(organization=org, email="ana@customer.example")
    assert ana.status == Advocate.Status.CANDIDATE and ana.account == harbor
    assert (ana.languages, ana.time_zone, ana.tags, ana.nps_score) == ("en pt", "Europe/Lisbon", "fintech, data", 9)
    assert NpsResponse.objects.get(advocate=ana).source == "import"
    assert AdvocateStatusChange.objects.filter(advocate=ana, to_status=Advocate.Status.CANDIDATE).count() == 1
    assert Advocate.objects.get(email="ken@shop.example").account.name == "Tokyo Shop"
    events = AuditEvent.objects.filter(organization=org, verb="import.completed")
    assert events.count() == 2
    assert events.filter(data__created=2, data__kind="advocates").exists()

    before = snapshot()
    again_accounts = flow.run(ImportJob.Kind.ACCOUNTS, accounts)
    again_advocates = flow.run(ImportJob.Kind.ADVOCATES, advocates)
    assert (again_accounts.created_count, again_accounts.updated_count) == (0, 0)
    assert (again_advocates.created_count, again_advocates.updated_count) == (0, 0)
    assert snapshot() == before | {"audit": before["audit"] + 2}
    assert not list((imports.import_root() / str(org.pk)).iterdir()), "uploaded files are removed once imported"


def test_an_existing_advocate_is_updated_not_duplicated(flow: Flow) -> None:
    org = flow.organization
    account = CustomerAccountFactory(organization=org, crm_id="CRM-1", health_score=90)
    known = AdvocateFactory(
        organization=org, account=account, email="known@customer.example", title="Analyst", nps_score=7
    )
    content = csv_bytes(
        [
            ["email", "full_name", "account", "title", "nps_score"],
            ["KNOWN@customer.example", known.full_name, "CRM-1", "Director", "10"],
        ]
    )
    job = flow.run(ImportJob.Kind.ADVOCATES, content)
    assert (job.created_count, job.updated_count) == (0, 1)
    known.refresh_from_db()
    assert (known.title, known.nps_score, known.status) == ("Director", 10, Advocate.Status.ACTIVE)
    assert Advocate.objects.filter(organization=org).count() == 1
    assert NpsResponse.objects.filter(advocate=known, score=10, source="import").count() == 1


def test_health_changes_on_import_keep_their_history(flow: Flow) -> None:
    account = CustomerAccountFactory(organization=flow.organization, name="Harbor Labs", crm_id="", health_score=60)
    job = flow.run(ImportJob.Kind.ACCOUNTS, csv_bytes([["name", "health_score"], ["harbor labs", "88"]]))
    assert (job.created_count, job.updated_count) == (0, 1)
    account.refresh_from_db()
    assert account.health_score == 88 and account.name == "harbor labs"
    change = HealthScoreChange.objects.get(account=account)
    assert (change.previous, change.score, change.source) == (60, 88, "import")


def test_import_never_matches_another_organisations_rows(
    flow: Flow, other_org: Organization, other_manager: Any
) -> None:
    foreign = CustomerAccountFactory(organization=other_org, name="Harbor Labs", crm_id="CRM-1", health_score=40)
    AdvocateFactory(organization=other_org, account=foreign, email="ana@customer.example", title="Theirs")

    job = flow.check(
        ImportJob.Kind.ADVOCATES,
        csv_bytes([["email", "full_name", "account"], ["ana@customer.example", "Ana", "CRM-1"]]),
    )
    assert problems(job) == [(2, "account", "No account with the CRM ID or name “CRM-1” in this organisation.")]

    flow.run(ImportJob.Kind.ACCOUNTS, csv_bytes([["name", "crm_id", "health_score"], ["Harbor Labs", "CRM-1", "95"]]))
    job = flow.run(
        ImportJob.Kind.ADVOCATES,
        csv_bytes([["email", "full_name", "account"], ["ana@customer.example", "Ana", "CRM-1"]]),
    )
    assert (job.created_count, job.updated_count) == (1, 0)
    ours = Advocate.objects.get(organization=flow.organization, email="ana@customer.example")
    assert ours.account.organization == flow.organization
    foreign.refresh_from_db()
    assert foreign.health_score == 40 and not HealthScoreChange.objects.filter(account=foreign).exists()
    assert Advocate.objects.get(organization=other_org).title == "Theirs"


def test_cancelling_a_checked_import_writes_nothing_and_removes_the_file(flow: Flow) -> None:
    CustomerAccountFactory(organization=flow.organization, crm_id="CRM-1")
    job = flow.check(
        ImportJob.Kind.ADVOCATES, csv_bytes([["email", "full_name", "account"], ["a@b.example", "A", "CRM-1"]])
    )
    path = imports.import_root() / job.file_path
    assert path.exists()
    with flow.capture(execute=True):
        response = flow.client.post(base(flow.organization) + f"{job.public_id}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and not path.exists()
    assert not Advocate.objects.exists()
    assert flow.client.post(base(flow.organization) + f"{job.public_id}/confirm/").status_code == 302
    assert not Advocate.objects.exists()


def test_an_unexpected_error_fails_the_job_with_a_message(flow: Flow, monkeypatch: Any) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "import_validate", broken)
    job = flow.check(
        ImportJob.Kind.ADVOCATES, csv_bytes([["email", "full_name", "account"], ["a@b.example", "A", "X"]])
    )
    assert job.status == ImportJob.Status.FAILED
    assert "Something went wrong while checking the file" in job.failure
    assert "disk on fire" not in flow.client.get(base(flow.organization) + f"{job.public_id}/").content.decode()


def test_progress_is_polled_while_working_and_reloads_the_page_when_done(flow: Flow) -> None:
    CustomerAccountFactory(organization=flow.organization, crm_id="CRM-1")
    job = flow.check(
        ImportJob.Kind.ADVOCATES, csv_bytes([["email", "full_name", "account"], ["a@b.example", "A", "CRM-1"]])
    )
    progress_url = base(flow.organization) + f"{job.public_id}/progress/"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, processed_rows=1, total_rows=4)
    page = flow.client.get(base(flow.organization) + f"{job.public_id}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="25"' in page
    partial = flow.client.get(progress_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    done = flow.client.get(progress_url, HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == base(flow.organization) + f"{job.public_id}/"


# --- Queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 500])
def test_queries_of_a_run_do_not_grow_with_the_rows(
    size: int, org: Organization, members: Any, django_assert_max_num_queries: Any
) -> None:
    """Both sizes fit one batch: the same queries whether the file has 10 rows or 500."""
    CustomerAccountFactory(organization=org, crm_id="CRM-1")
    manager = members[Role.PROGRAM_MANAGER]

    def check_and_import(nps: str) -> ImportJob:
        rows = [["email", "full_name", "account", "nps_score"]]
        rows += [[f"person{n}@customer.example", f"Person {n}", "CRM-1", nps] for n in range(size)]
        job = imports.import_upload(
            organization=org,
            actor=manager,
            kind=ImportJob.Kind.ADVOCATES,
            upload=SimpleUploadedFile("people.csv", csv_bytes(rows), content_type="text/csv"),
        )
        mapping = imports.guess_mapping(kind=job.kind, headers=job.headers)
        ImportJob.objects.filter(pk=job.pk).update(mapping=mapping, status=ImportJob.Status.VALIDATING)
        job.refresh_from_db()
        with django_assert_max_num_queries(8):
            imports.import_validate(job=job)
        assert (job.status, job.valid_rows) == (ImportJob.Status.VALIDATED, size)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
        job.refresh_from_db()
        with django_assert_max_num_queries(15):
            imports.import_run(job=job, actor=manager)
        assert job.status == ImportJob.Status.DONE
        return job

    created = check_and_import(nps="9")
    assert created.created_count == size == Advocate.objects.filter(organization=org).count()
    updated = check_and_import(nps="10")
    assert (updated.created_count, updated.updated_count) == (0, size)
    assert NpsResponse.objects.filter(organization=org, score=10).count() == size


# --- Export -----------------------------------------------------------------------------------------------


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_export_imports_back_unchanged(flow: Flow, members: Any) -> None:
    org = flow.organization
    harbor = CustomerAccountFactory(
        organization=org, name="Harbor Labs", crm_id="CRM-1", csm=members[Role.CSM], arr="1250.50"
    )
    harbor.products.add(
        Product.objects.create(organization=org, name="Insights"), through_defaults={"organization": org}
    )
    shop = CustomerAccountFactory(organization=org, name="Tokyo Shop", crm_id="", industry="Retail")
    AdvocateFactory(
        organization=org,
        account=harbor,
        email="ana@customer.example",
        title="=SUM(A1:A9)",
        tags="a, b",
        languages="en pt",
    )
    AdvocateFactory(organization=org, account=shop, email="ken@shop.example", time_zone="Asia/Tokyo")

    exported = read_csv(flow.client.get(base(org) + "export/advocates.csv"))
    assert [row["email"] for row in exported] == sorted(
        ["ana@customer.example", "ken@shop.example"], key=lambda email: Advocate.objects.get(email=email).full_name
    )
    ana = next(row for row in exported if row["email"] == "ana@customer.example")
    assert ana["account"] == "CRM-1" and ana["title"] == "'=SUM(A1:A9)", "formulas are defused for spreadsheets"
    assert next(row for row in exported if row["email"] == "ken@shop.example")["account"] == "Tokyo Shop"
    account_rows = read_csv(flow.client.get(base(org) + "export/accounts.csv"))
    assert {row["name"]: row["products"] for row in account_rows} == {"Harbor Labs": "Insights", "Tokyo Shop": ""}

    before = snapshot()
    accounts_csv = b"".join(flow.client.get(base(org) + "export/accounts.csv").streaming_content)
    advocates_csv = b"".join(flow.client.get(base(org) + "export/advocates.csv").streaming_content)
    for kind, content in ((ImportJob.Kind.ACCOUNTS, accounts_csv), (ImportJob.Kind.ADVOCATES, advocates_csv)):
        job = flow.run(kind, content)
        assert (job.valid_rows, job.error_rows, job.created_count, job.updated_count) == (2, 0, 0, 0), problems(job)
    assert snapshot() == before | {"audit": before["audit"] + 2}
    assert Advocate.objects.get(email="ana@customer.example").title == "=SUM(A1:A9)"


def test_a_csm_exports_only_the_advocates_of_their_accounts(org: Organization, members: Any, client_for: Any) -> None:
    mine = CustomerAccountFactory(organization=org, csm=members[Role.CSM])
    AdvocateFactory(organization=org, account=mine, email="mine@customer.example")
    AdvocateFactory(organization=org, email="theirs@customer.example")
    client = client_for(members[Role.CSM])
    assert [row["email"] for row in read_csv(client.get(base(org) + "export/advocates.csv"))] == [
        "mine@customer.example"
    ]
    assert [row["name"] for row in read_csv(client.get(base(org) + "export/accounts.csv"))] == [mine.name]
    marketing = client_for(members[Role.MARKETING])
    assert len(read_csv(marketing.get(base(org) + "export/advocates.csv"))) == 2


# --- Access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "import_status", "export_status"),
    [
        (Role.PROGRAM_MANAGER, 200, 200),
        (Role.ADMIN, 200, 200),
        (Role.CSM, 403, 200),
        (Role.MARKETING, 403, 200),
        (Role.SALES, 403, 403),
        (Role.EXECUTIVE, 403, 403),
        (Role.ADVOCATE, 403, 403),
    ],
)
def test_access_by_role(
    role: str, import_status: int, export_status: int, org: Organization, members: Any, client_for: Any
) -> None:
    client = client_for(members[role])
    assert client.get(base(org)).status_code == import_status
    assert client.get(base(org) + "new/").status_code == import_status
    content = SimpleUploadedFile("a.csv", csv_bytes([["email"], ["a@b.example"]]), content_type="text/csv")
    response = client.post(base(org) + "new/", {"kind": "advocates", "file": content})
    assert response.status_code == (302 if import_status == 200 else 403)
    assert client.get(base(org) + "export/advocates.csv").status_code == export_status
    assert client.get(base(org) + "export/accounts.csv").status_code == export_status


def test_other_organisations_and_outsiders_get_404(
    flow: Flow, other_org: Organization, other_manager: Any, outsider: Any, client_for: Any
) -> None:
    CustomerAccountFactory(organization=flow.organization, crm_id="CRM-1")
    job = flow.check(
        ImportJob.Kind.ADVOCATES, csv_bytes([["email", "full_name", "account"], ["a@b.example", "A", "CRM-1"]])
    )
    theirs = client_for(other_manager)
    for path in ("", f"{job.public_id}/", "export/advocates.csv"):
        assert theirs.get(base(flow.organization) + path).status_code == 404
        assert client_for(outsider).get(base(flow.organization) + path).status_code == 404
    # The job's id under their own organisation is as unknown as a missing one.
    assert theirs.get(base(other_org) + f"{job.public_id}/").status_code == 404
    assert theirs.post(base(other_org) + f"{job.public_id}/confirm/").status_code == 404
    assert client_for(None).get(base(flow.organization)).status_code == 302


def test_unconfirmed_uploads_are_cancelled_after_a_week(org: Any, other_org: Any, members: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from advocates.import_tasks import abandoned_imports_sweep_task
    from advocates.models import ImportJob

    old = ImportJob.objects.create(
        organization=org, kind="advocates", file_name="old.csv", file_path="x/old.csv",
        created_at=timezone.now() - timedelta(days=settings.IMPORT_ABANDONED_DAYS + 1),
    )  # fmt: skip
    fresh = ImportJob.objects.create(organization=org, kind="advocates", file_name="new.csv", file_path="x/new.csv")
    done = ImportJob.objects.create(
        organization=other_org, kind="advocates", file_name="done.csv", file_path="y/done.csv",
        status=ImportJob.Status.DONE, created_at=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    abandoned_imports_sweep_task.delay()
    old.refresh_from_db()
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert old.status == ImportJob.Status.CANCELLED
    assert fresh.status == ImportJob.Status.UPLOADED and done.status == ImportJob.Status.DONE
