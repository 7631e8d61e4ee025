"""The organisation's reporting settings in the API, one resource per organisation: read them (GET)
and change them (PATCH changes what it names, PUT sets them all). The bounds are the settings page's."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from advocacy.api.base import TenantViewSet
from advocacy.models import Organization
from advocacy.roles import Capability

from ..policy import ReportingPolicy
from ..services import (
    ATTRIBUTION_BOUNDS,
    MONEY_MAX_DIGITS,
    SURVEY_INTERVAL_BOUNDS,
    SURVEY_OPEN_BOUNDS,
    TARGET_BOUNDS,
    report_settings_set,
)


def _target_field(name: str, **kwargs: Any) -> serializers.Field:
    low, high = TARGET_BOUNDS[name]
    if name == "review_average":
        return serializers.DecimalField(max_digits=3, decimal_places=1, min_value=low, max_value=high, **kwargs)
    return serializers.IntegerField(min_value=low, max_value=high, **kwargs)


class TargetsSerializer(serializers.Serializer):
    """Yearly targets: counts per calendar year, percentages, and the review average in stars."""

    references = _target_field("references")
    case_studies = _target_field("case_studies")
    testimonials = _target_field("testimonials")
    review_average = _target_field("review_average")
    reference_close_rate = _target_field("reference_close_rate")
    opportunities_supported = _target_field("opportunities_supported")
    referral_pipeline_share = _target_field("referral_pipeline_share")
    win_rate_lift = _target_field("win_rate_lift")
    cycle_reduction = _target_field("cycle_reduction")
    retention = _target_field("retention")


class ReportSettingsSerializer(serializers.Serializer):
    targets = TargetsSerializer()
    attribution_percent = serializers.IntegerField(
        min_value=ATTRIBUTION_BOUNDS[0],
        max_value=ATTRIBUTION_BOUNDS[1],
        help_text="Share (percent) of the won value of advocacy-supported deals counted as the program's value.",
    )
    activity_values = serializers.DictField(
        child=serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, min_value=0, allow_null=True),
        help_text="The value of one completed activity, by activity type key. Null clears a value.",
    )
    survey_interval_days = serializers.IntegerField(
        min_value=SURVEY_INTERVAL_BOUNDS[0], max_value=SURVEY_INTERVAL_BOUNDS[1]
    )
    survey_open_days = serializers.IntegerField(min_value=SURVEY_OPEN_BOUNDS[0], max_value=SURVEY_OPEN_BOUNDS[1])
    executive_summary = serializers.BooleanField(help_text="Email the executive summary every quarter.")


def _settings_of(policy: ReportingPolicy) -> dict[str, Any]:
    return {
        "targets": asdict(policy.targets),
        "attribution_percent": policy.attribution_percent,
        "activity_values": dict(policy.activity_values),
        "survey_interval_days": policy.survey_interval_days,
        "survey_open_days": policy.survey_open_days,
        "executive_summary": policy.executive_summary,
    }


class ReportSettingsViewSet(TenantViewSet):
    """The organisation's reporting settings: one resource per organisation, with no id in its path."""

    model = Organization
    serializer_class = ReportSettingsSerializer
    required_capability = Capability.DASHBOARD
    write_capability = Capability.REPORTS_MANAGE

    @extend_schema(responses={200: ReportSettingsSerializer})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            ReportSettingsSerializer(_settings_of(ReportingPolicy.for_organization(self.organization))).data
        )

    def _change(self, request: Request, *, partial: bool) -> Response:
        payload = ReportSettingsSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if not partial:
            # Setting them all: an activity type left out of the values has none any more.
            stored = ReportingPolicy.for_organization(self.organization).activity_values
            data["activity_values"] = {**dict.fromkeys(stored), **data["activity_values"]}
        policy = report_settings_set(
            organization=self.organization, actor=self.actor, data=data, request=request._request
        )
        return Response(ReportSettingsSerializer(_settings_of(policy)).data)

    @extend_schema(request=ReportSettingsSerializer, responses={200: ReportSettingsSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=False)

    @extend_schema(request=ReportSettingsSerializer, responses={200: ReportSettingsSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=True)
