"""Benchmark: import 100,000 advocates from CSV through the same services and tasks the pages use, and
report wall time and peak memory (RSS) for the dry run and the import.

    DJANGO_SETTINGS_MODULE=advocacy.settings.local DATABASE_URL=sqlite:////tmp/advocacy-bench.sqlite3 \\
        .venv/bin/python bench/import_100k.py

By default it measures 10,000 and then 100,000 rows, each in a fresh process (peak RSS only ever grows
within a process), so the two can be compared: memory must not grow with the file. ``--rows N`` runs
one size. The database is migrated first; each run uses a new organisation in it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# DEBUG keeps every SQL statement in memory: it would measure Django's debug log, not the import.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings.local")

ADVOCATES_PER_ACCOUNT = 20
SENIORITIES = ("executive", "manager", "practitioner")
INDUSTRIES = ("Software", "Financial services", "Healthcare", "Retail", "Manufacturing")


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def write_accounts(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "crm_id", "industry", "segment", "region", "country", "health_score", "products"])
        for number in range(count):
            writer.writerow(
                [
                    f"Customer {number:06d}",
                    f"CRM-{number:06d}",
                    INDUSTRIES[number % len(INDUSTRIES)],
                    ("enterprise", "mid_market", "smb")[number % 3],
                    ("emea", "north_america", "apac", "latin_america")[number % 4],
                    ("PT", "US", "JP", "BR")[number % 4],
                    60 + number % 41,
                    "Insights; Pipelines" if number % 2 else "Insights",
                ]
            )


def write_advocates(path: Path, count: int, accounts: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "full_name", "account", "title", "seniority", "languages", "nps_score", "tags"])
        for number in range(count):
            writer.writerow(
                [
                    f"person{number:07d}@customer{number % accounts:06d}.example",
                    f"Person {number:07d}",
                    f"CRM-{number % accounts:06d}",
                    "Head of Data",
                    SENIORITIES[number % 3],
                    "en pt" if number % 2 else "en",
                    number % 11,
                    "analytics, early adopter",
                ]
            )


def run_import(organization: Any, actor: Any, kind: str, path: Path) -> dict[str, Any]:
    """Uploads, maps and checks the file, then confirms it. With tasks run in-process (local
    settings), setting the mapping runs the dry run and confirming runs the import."""
    from django.core.files.uploadedfile import UploadedFile

    from advocates import imports
    from advocates.models import ImportJob

    with path.open("rb") as handle:
        upload = UploadedFile(file=handle, name=path.name, content_type="text/csv", size=path.stat().st_size)
        job = imports.import_upload(organization=organization, actor=actor, kind=kind, upload=upload)
    mapping = imports.guess_mapping(kind=kind, headers=job.headers)

    started = time.perf_counter()
    job = imports.import_set_mapping(job=job, mapping=mapping)
    job.refresh_from_db()
    validate_seconds = time.perf_counter() - started
    validate_rss = peak_rss_mb()
    assert job.status == ImportJob.Status.VALIDATED, (job.status, job.failure)

    started = time.perf_counter()
    imports.import_confirm(job=job, actor=actor)
    job.refresh_from_db()
    import_seconds = time.perf_counter() - started
    assert job.status == ImportJob.Status.DONE, (job.status, job.failure)
    return {
        "rows": job.total_rows,
        "errors": job.error_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "validate_seconds": round(validate_seconds, 2),
        "validate_peak_rss_mb": round(validate_rss, 1),
        "import_seconds": round(import_seconds, 2),
        "import_peak_rss_mb": round(peak_rss_mb(), 1),
    }


def migrate() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def measure(rows: int, *, migrate_first: bool = True) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django_scopes import scope

    from advocacy.models import Membership, Organization, User
    from advocacy.roles import Role

    if migrate_first:
        migrate()
    suffix = uuid.uuid4().hex[:8]
    organization = Organization.objects.create(name=f"Bench {suffix}", slug=f"bench-{suffix}")
    actor = User.objects.create_user(email=f"manager-{suffix}@bench.example")
    accounts = max(rows // ADVOCATES_PER_ACCOUNT, 1)
    result: dict[str, Any] = {"advocate_rows": rows}
    with scope(organization=organization), tempfile.TemporaryDirectory() as folder:
        # Uploaded copies go to the temporary folder too, not to the project's var/imports/.
        settings.IMPORT_ROOT = Path(folder) / "uploads"
        Membership.objects.create(organization=organization, user=actor, role=Role.PROGRAM_MANAGER)
        accounts_csv, advocates_csv = Path(folder) / "accounts.csv", Path(folder) / "advocates.csv"
        write_accounts(accounts_csv, accounts)
        write_advocates(advocates_csv, rows, accounts)
        result["file_mb"] = round(advocates_csv.stat().st_size / 1024 / 1024, 1)
        result["baseline_peak_rss_mb"] = round(peak_rss_mb(), 1)
        result["accounts"] = run_import(organization, actor, "accounts", accounts_csv)
        result["advocates"] = run_import(organization, actor, "advocates", advocates_csv)
        # The same file again: every row matches an advocate and nothing changes.
        result["advocates_again"] = run_import(organization, actor, "advocates", advocates_csv)
    assert result["advocates"]["created"] == rows and result["advocates_again"]["updated"] == 0
    return result


def report(results: list[dict[str, Any]]) -> None:
    print()
    print("| advocate rows | file | phase | rows | wall time | peak RSS |")
    print("|---:|---:|---|---:|---:|---:|")
    for result in results:
        size = f"{result['advocate_rows']:,}"
        print(f"| {size} | {result['file_mb']} MB | after start-up | | | {result['baseline_peak_rss_mb']} MB |")
        for label, key in (
            ("accounts", "accounts"),
            ("advocates", "advocates"),
            ("advocates, same file again", "advocates_again"),
        ):
            phase = result[key]
            for step in ("validate", "import"):
                print(
                    f"| {size} | | {label}: {step} | {phase['rows']:,} | {phase[f'{step}_seconds']} s "
                    f"| {phase[f'{step}_peak_rss_mb']} MB |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help="one run with this many advocate rows")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (used between processes)")
    parser.add_argument("--migrated", action="store_true", help="the database is already migrated")
    parser.add_argument("--migrate-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.migrate_only:
        migrate()
        return
    if options.rows:
        result = measure(options.rows, migrate_first=not options.migrated)
        print(json.dumps(result) if options.json else json.dumps(result, indent=2))
        return
    # Migrating in a process of its own keeps this one small: Linux carries a process's peak RSS over
    # into the programs it starts, so a child forked from a large parent would report the parent's.
    subprocess.run([sys.executable, __file__, "--migrate-only"], check=True)  # noqa: S603
    results = []
    for rows in (10_000, 100_000):
        # A fresh process per size: ru_maxrss is the peak of the whole process. It runs this very script.
        completed = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--rows", str(rows), "--json", "--migrated"],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
        print(f"{rows:,} rows: done", file=sys.stderr)
    report(results)


if __name__ == "__main__":
    main()
