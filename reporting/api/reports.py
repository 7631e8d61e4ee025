"""The report pages, read-only, as JSON: the same panels the web pages show, for the same filter.

``GET reports/`` lists the pages; ``GET reports/<page>/?start=&end=&segment=&activity_type=``
returns one page's panels, and ``?export=<table key>`` one of its tables as CSV. A reversed or
absurd range is refused (400) with the page's own messages; an activity type that is not the
organisation's is ignored and named in ``notices``.

Values: every number is a JSON number (money and other decimal amounts included), dates are ISO
8601 strings, and a figure without data is ``null`` (shown as "no data yet" on the page)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.roles import Capability
from advocates.models import Segment

from ..filters import NO_SEGMENT, ReportFilter, ReportFilterForm
from ..models import RollupCheck
from ..pages import PAGE_BUILDERS, ReportPage, UnknownPage, available_pages, get_page
from ..panels import csv_response, find_table

FIGURE_KINDS = ("count", "percent", "money", "hours", "days", "rating", "ratio", "score")
SEGMENT_CHOICES = ["", *Segment.values, NO_SEGMENT]


def json_number(value: Any) -> Any:
    """Decimals become JSON numbers, like the floats and integers beside them."""
    return float(value) if isinstance(value, Decimal) else value


def json_cell(value: Any) -> Any:
    """A table cell as JSON: numbers, booleans and null as such, dates in ISO 8601, the rest as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return json_number(value)


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
        "description": "Text, a number, a yes/no, an ISO 8601 date, or null for an empty cell.",
    }
)
class CellField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return json_cell(value)


class ReportFigureSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # the figure's label, not the serializer's
    value = NumberField(allow_null=True, help_text="null when there is no data yet")
    kind = serializers.CharField(help_text=f"How the number reads: {', '.join(FIGURE_KINDS)}")
    hint = serializers.CharField()
    target = NumberField(allow_null=True, help_text="The goal the figure is measured against, if any")
    higher_is_better = serializers.BooleanField()
    on_target = serializers.BooleanField(allow_null=True, help_text="null without a value or a target")


class ReportTableSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Unique within the page; ?export=<key> downloads it as CSV")
    title = serializers.CharField()
    caption = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    numeric = serializers.ListField(child=serializers.IntegerField(), help_text="Indexes of the numeric columns")
    rows = serializers.ListField(child=serializers.ListField(child=CellField(allow_null=True)))


class ReportChartSeriesSerializer(serializers.Serializer):
    name = serializers.CharField()
    values = serializers.ListField(child=NumberField(allow_null=True))


class ReportChartSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="bar or line")
    unit = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField())
    series = ReportChartSeriesSerializer(many=True)


class ReportPanelSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(help_text="How the figures are computed")
    figures = ReportFigureSerializer(many=True)
    tables = ReportTableSerializer(many=True)
    charts = ReportChartSerializer(many=True)


class ReportFilterSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    segment = serializers.ChoiceField(
        choices=SEGMENT_CHOICES, help_text='"" for all segments, "none" for accounts without one'
    )
    activity_type = serializers.UUIDField(source="activity_type.public_id", allow_null=True)


class ReportSerializer(serializers.Serializer):
    page = serializers.CharField()
    title = serializers.CharField()
    filter = ReportFilterSerializer()
    notices = serializers.ListField(
        child=serializers.CharField(), help_text="Filters that named nothing of this organisation and were ignored"
    )
    panels = ReportPanelSerializer(many=True)


class ReportPageSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField(help_text="This page in the API")
    page_url = serializers.URLField(help_text="This page on the site")


PAGE_PARAMETER = OpenApiParameter(
    "page", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(PAGE_BUILDERS), description="The report page"
)
FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day; twelve months before the end by default"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day; today by default"),
    OpenApiParameter(
        "segment", OpenApiTypes.STR, enum=SEGMENT_CHOICES, description='All by default; "none": no segment recorded'
    ),
    OpenApiParameter("activity_type", OpenApiTypes.UUID, description="One of the organisation's activity types"),
    OpenApiParameter("export", OpenApiTypes.STR, description="A table's key: that table as CSV instead of JSON"),
]


def form_errors(form: ReportFilterForm) -> dict[str, list[str]]:
    """The filter form's messages by field, errors about the range as a whole under non_field_errors."""
    return {
        "non_field_errors" if field == "__all__" else field: [item["message"] for item in errors]
        for field, errors in form.errors.get_json_data().items()
    }


class ReportViewSet(TenantViewSet):
    """Read-only: anyone who may see the dashboard reads every page; nothing here can be changed."""

    # Pages are not rows: nothing reads this model; the base class needs one for its queryset.
    model = RollupCheck
    required_capability = Capability.DASHBOARD
    write_capability = Capability.REPORTS_MANAGE
    pagination_class = None
    lookup_field = "page"
    lookup_url_kwarg = "page"
    lookup_value_regex = "[a-z_]+"

    def _page(self, key: str) -> ReportPage:
        try:
            return get_page(key)
        except UnknownPage:
            raise exceptions.NotFound(f"There is no report page named {key!r}.") from None

    @extend_schema(
        summary="The report pages",
        description="Every report page this API serves, with its address here and on the site.",
        responses={200: ReportPageSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = [
            {
                "key": page.key,
                "title": page.title,
                "url": request.build_absolute_uri(
                    reverse("api-report-detail", kwargs={"org_slug": self.organization.slug, "page": page.key})
                ),
                "page_url": request.build_absolute_uri(page.web_path(self.organization)),
            }
            for page in available_pages()
        ]
        return Response(ReportPageSerializer(rows, many=True).data)

    @extend_schema(
        summary="One report page's panels",
        description=(
            "The panels of one report page for the filter: headline figures, tables and chart series. "
            "Numbers are JSON numbers (amounts too), dates ISO 8601, and a figure without data is null. "
            "A reversed or out-of-bounds range answers 400 with the reason; an activity type that is not "
            "the organisation's is ignored and named in `notices`. With `export=<table key>` the answer is "
            "that table as CSV, the same download as the web page's."
        ),
        parameters=[PAGE_PARAMETER, *FILTER_PARAMETERS],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        page = self._page(kwargs["page"])
        form = ReportFilterForm(request.query_params or None, organization=self.organization)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        report_filter = form.report_filter() if form.is_bound else ReportFilter.default()
        panels = page.build(self.organization, report_filter)
        export = request.query_params.get("export")
        if export:
            table = find_table(panels, export)
            if table is None:
                raise exceptions.NotFound(f"The {page.key} page has no table named {export!r}.")
            filename = f"{self.organization.slug}-{page.key}-{table.key}-{report_filter.start}-{report_filter.end}.csv"
            return csv_response(table, filename)
        data = {
            "page": page.key,
            "title": page.title,
            "filter": report_filter,
            "notices": form.not_found,
            "panels": panels,
        }
        return Response(ReportSerializer(data).data)
