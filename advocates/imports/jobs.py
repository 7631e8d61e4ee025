"""The import workflow around an ``ImportJob``: upload, mapping, confirmation, cancellation, and the
dry run and the import that the workers run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from advocacy.audit import audit_log
from advocacy.errors import ConflictError, ValidationFailed
from advocacy.models import Organization, User
from advocacy.tasks import enqueue_on_commit

from ..models import ImportJob
from .accounts import AccountImporter
from .advocates import AdvocateImporter
from .columns import FIELDS_BY_KIND, fields_for
from .files import ImportFileError, delete_file_on_commit, job_path, read_header
from .importer import Importer

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def import_upload(*, organization: Organization, actor: User | None, kind: str, upload: UploadedFile) -> ImportJob:
    """Keeps the uploaded file and reads its header. Refuses what is not a UTF-8 CSV file."""
    if kind not in FIELDS_BY_KIND:
        raise ValidationFailed({"kind": [_("Choose what the file holds.")]})
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationFailed({"file": [_("The file is larger than 100 MB: split it into several files.")]})
    job = ImportJob(
        organization=organization,
        kind=kind,
        file_name=Path(upload.name or "import.csv").name[:255],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    job.file_path = f"{organization.pk}/{job.public_id}.csv"
    path = job_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    newlines, last = 0, b"\n"
    with path.open("wb") as destination:
        for chunk in upload.chunks():
            destination.write(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:] or last
    try:
        job.headers, job.encoding = read_header(path)
    except ImportFileError as error:
        path.unlink(missing_ok=True)
        raise ValidationFailed({"file": [str(error)]}) from None
    # An estimate for the progress bar until the dry run has counted the rows.
    job.total_rows = max(newlines - (1 if last == b"\n" else 0), 0)
    try:
        job.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return job


@transaction.atomic
def import_set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Records which column holds which field, and queues the dry run."""
    from ..import_tasks import validate_import_task

    chosen: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for import_field in fields_for(job.kind):
        column = mapping.get(import_field.name) or ""
        if not column:
            if import_field.required:
                errors[import_field.name] = [_("Choose the column that holds this field.")]
        elif column not in job.headers:
            errors[import_field.name] = [_("The file has no such column.")]
        elif column in chosen.values():
            errors[import_field.name] = [_("This column is already used for another field.")]
        else:
            chosen[import_field.name] = column
    if errors:
        raise ValidationFailed(errors)
    changed = ImportJob.objects.filter(
        organization=job.organization,
        pk=job.pk,
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED),
    ).update(
        mapping=chosen,
        status=ImportJob.Status.UPLOADED,
        processed_rows=0,
        valid_rows=0,
        error_rows=0,
        created_count=0,
        updated_count=0,
        errors=[],
    )
    if not changed:
        raise ConflictError(_("This import has moved on: its columns can no longer be changed."))
    enqueue_on_commit(validate_import_task, job.organization_id, job.pk)
    job.refresh_from_db()
    return job


def import_confirm(*, job: ImportJob, actor: User | None) -> None:
    """Queues the import of a checked file. Nothing is written before this."""
    from ..import_tasks import run_import_task

    if job.status != ImportJob.Status.VALIDATED:
        raise ConflictError(_("Only a checked file can be imported."))
    if not job.valid_rows:
        raise ConflictError(_("No row can be imported: correct the file and upload it again."))
    enqueue_on_commit(run_import_task, job.organization_id, job.pk, actor.pk if actor is not None else None)


@transaction.atomic
def import_cancel(*, job: ImportJob) -> None:
    cancelled = ImportJob.objects.filter(
        organization=job.organization,
        pk=job.pk,
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING, ImportJob.Status.VALIDATED),
    ).update(status=ImportJob.Status.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        raise ConflictError(_("An import that has started or ended cannot be cancelled."))
    delete_file_on_commit(job)


@transaction.atomic
def import_mark_failed(*, job: ImportJob, message: str) -> None:
    """Ends a job that could not be checked or imported, with a message for the person who runs it."""
    ImportJob.objects.filter(
        organization=job.organization,
        pk=job.pk,
        status__in=(ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING),
    ).update(status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now())
    delete_file_on_commit(job)


class _Stopped(Exception):
    """The job left its working state (cancelled) while rows were being read."""


def import_validate(*, job: ImportJob) -> ImportJob:
    """The dry run, for a job already claimed (status VALIDATING): checks every row and records the
    counts, what would be created or updated, and the first row-level errors. Writes only the job."""
    return _execute(job=job, actor=None, write=False)


def import_run(*, job: ImportJob, actor: User | None) -> ImportJob:
    """The import, for a job already claimed (status IMPORTING): upserts the valid rows in batches and
    records one audit event for the whole file."""
    return _execute(job=job, actor=actor, write=True)


def _execute(*, job: ImportJob, actor: User | None, write: bool) -> ImportJob:
    working = ImportJob.Status.IMPORTING if write else ImportJob.Status.VALIDATING
    importer_class = AccountImporter if job.kind == ImportJob.Kind.ACCOUNTS else AdvocateImporter
    importer = importer_class(job=job, actor=actor, write=write)

    def report_progress(progress: Importer) -> None:
        still_working = ImportJob.objects.filter(organization=job.organization, pk=job.pk, status=working).update(
            processed_rows=progress.total_rows, error_rows=progress.error_rows
        )
        if not still_working:
            raise _Stopped

    try:
        importer.run(report_progress)
    except _Stopped:
        job.refresh_from_db()
        return job
    except ImportFileError as error:
        import_mark_failed(job=job, message=str(error))
        job.refresh_from_db()
        return job
    except Exception:
        if importer.created or importer.updated:
            # The batches written before the failure stay: the log says what they changed.
            audit_log(
                organization=job.organization,
                actor=actor,
                verb="import.failed",
                target=job,
                data={"kind": job.kind, "file": job.file_name, **importer.summary()},
            )
        raise
    results: dict[str, Any] = {
        "total_rows": importer.total_rows,
        "processed_rows": importer.total_rows,
        "valid_rows": importer.valid_rows,
        "error_rows": importer.error_rows,
        "created_count": importer.created,
        "updated_count": importer.updated,
        "errors": importer.errors,
    }
    with transaction.atomic():
        if write:
            results |= {"status": ImportJob.Status.DONE, "finished_at": timezone.now()}
        else:
            results["status"] = ImportJob.Status.VALIDATED
        finished = ImportJob.objects.filter(organization=job.organization, pk=job.pk, status=working).update(**results)
        if finished and write:
            audit_log(
                organization=job.organization,
                actor=actor,
                verb="import.completed",
                target=job,
                data={"kind": job.kind, "file": job.file_name, **importer.summary()},
            )
            delete_file_on_commit(job)
    job.refresh_from_db()
    return job
