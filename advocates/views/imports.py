"""CSV imports (upload, column mapping, dry run, confirmation, progress) and CSV exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from advocacy.errors import ConflictError, ValidationFailed
from advocacy.roles import Capability
from advocacy.tenancy import TenantRequest, organization_view

from .. import imports
from ..models import ImportJob

# A page opened right after queueing work keeps following the job until a worker has taken it up:
# ``?waiting=check`` after the columns are mapped, ``?waiting=import`` after the import is confirmed.
WAITING_STATUSES = {
    "check": (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING),
    "import": (ImportJob.Status.VALIDATED, ImportJob.Status.IMPORTING),
}
WORKING_STATUSES = (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"), choices=ImportJob.Kind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Saved as UTF-8 (in Excel: “CSV UTF-8”), with the column names on the first row. "
            "Import accounts before the advocates who work there."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ImportMappingForm(forms.Form):
    """One choice per field we import: the file's column that holds it."""

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any):
        super().__init__(*args, **kwargs)
        columns = [("", _("— not imported —")), *((header, header) for header in job.headers if header)]
        for import_field in imports.fields_for(job.kind):
            self.fields[import_field.name] = forms.ChoiceField(
                label=import_field.label,
                required=import_field.required,
                choices=columns,
                help_text=import_field.help_text,
            )


def _job_for_request(request: TenantRequest, public_id: Any) -> ImportJob:
    jobs = ImportJob.objects.filter(organization=request.organization).select_related("created_by")
    return get_object_or_404(jobs, public_id=public_id)


def _is_following(job: ImportJob, waiting: str) -> bool:
    return job.status in WORKING_STATUSES or job.status in WAITING_STATUSES.get(waiting, ())


def _detail_url(job: ImportJob, waiting: str = "") -> str:
    url = reverse("imports:import-detail", kwargs={"org_slug": job.organization.slug, "public_id": job.public_id})
    return f"{url}?waiting={waiting}" if waiting else url


@organization_view(Capability.ADVOCATES_MANAGE)
def import_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    jobs = ImportJob.objects.filter(organization=request.organization).select_related("created_by")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(request, "advocates/import_list.html", {"page": page})


@organization_view(Capability.ADVOCATES_MANAGE)
@require_http_methods(["GET", "POST"])
def import_upload(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_upload(
                organization=request.organization,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationFailed as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("imports:import-mapping", org_slug=org_slug, public_id=job.public_id)
    return render(request, "advocates/import_upload.html", {"form": form}, status=400 if form.errors else 200)


@organization_view(Capability.ADVOCATES_MANAGE)
@require_http_methods(["GET", "POST"])
def import_mapping(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    job = _job_for_request(request, public_id)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED):
        return redirect(_detail_url(job))
    initial = job.mapping or imports.guess_mapping(kind=job.kind, headers=job.headers)
    form = ImportMappingForm(request.POST or None, job=job, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            imports.import_set_mapping(job=job, mapping=form.cleaned_data)
        except ValidationFailed as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(_detail_url(job))
        else:
            return redirect(_detail_url(job, "check"))
    return render(
        request,
        "advocates/import_mapping.html",
        {"job": job, "form": form},
        status=400 if form.errors else 200,
    )


def _detail_context(job: ImportJob, waiting: str) -> dict[str, Any]:
    unchanged = max(job.valid_rows - job.created_count - job.updated_count, 0)
    return {
        "job": job,
        "waiting": waiting if waiting in WAITING_STATUSES else "",
        "following": _is_following(job, waiting),
        "unchanged_count": unchanged,
        "errors": imports.errors_for_display(job),
        "errors_truncated": len(job.errors) >= imports.MAX_STORED_ERRORS,
        "has_encoding_errors": any(entry.get("code") == "encoding" for entry in job.errors),
        "can_cancel": job.status
        in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING, ImportJob.Status.VALIDATED),
    }


@organization_view(Capability.ADVOCATES_MANAGE)
def import_detail(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    job = _job_for_request(request, public_id)
    waiting = request.GET.get("waiting", "")
    if job.status == ImportJob.Status.UPLOADED and not _is_following(job, waiting):
        return redirect("imports:import-mapping", org_slug=org_slug, public_id=job.public_id)
    return render(request, "advocates/import_detail.html", _detail_context(job, waiting))


@organization_view(Capability.ADVOCATES_MANAGE)
def import_progress(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponseBase:
    """Polled by the page while the job is queued or running; once it is not, the page reloads."""
    job = _job_for_request(request, public_id)
    waiting = request.GET.get("waiting", "")
    if not _is_following(job, waiting):
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponseClientRedirect(_detail_url(job))
        return redirect(_detail_url(job))
    return render(request, "advocates/import_detail.html#progress", _detail_context(job, waiting))


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def import_confirm(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    job = _job_for_request(request, public_id)
    try:
        imports.import_confirm(job=job, actor=request.user)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(job))
    return redirect(_detail_url(job, "import"))


@organization_view(Capability.ADVOCATES_MANAGE)
@require_POST
def import_cancel(request: TenantRequest, org_slug: str, public_id: Any) -> HttpResponse:
    job = _job_for_request(request, public_id)
    try:
        imports.import_cancel(job=job)
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(job))
    messages.success(request, _("The import was cancelled; nothing was imported."))
    return redirect("imports:import-list", org_slug=org_slug)


def _csv_download(rows: Any, name: str, organization_slug: str) -> StreamingHttpResponse:
    filename = f"{name}-{organization_slug}-{timezone.localdate().isoformat()}.csv"
    return StreamingHttpResponse(
        rows,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@organization_view(Capability.ADVOCATES)
def export_advocates(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    rows = imports.export_advocates_csv(organization=request.organization, membership=request.membership)
    return _csv_download(rows, "advocates", request.organization.slug)


@organization_view(Capability.ADVOCATES)
def export_accounts(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    rows = imports.export_accounts_csv(organization=request.organization, membership=request.membership)
    return _csv_download(rows, "accounts", request.organization.slug)
