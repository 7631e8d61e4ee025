"""The page behind a survey email's link: one question on a 0 to 10 scale and an optional comment.

No sign-in: the signed link is the authority. It names the organisation, the round and the
advocate, and must be opened under that organisation's address (another one is not found). A
closed round, a round already answered or a link that was changed gets a clear page and nothing
changes."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from advocacy.errors import ConflictError
from advocacy.messaging import recipient_language
from advocacy.models import Organization
from advocates.models import Advocate

from ..models import NpsSurvey
from ..surveys import read_survey_token, survey_answer, survey_answer_for

SCORES = [(score, str(score)) for score in range(11)]


class SurveyAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend our advocacy program to a peer?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 0 to 10.")},
    )
    comment = forms.CharField(
        label=_("What is the main reason for your score? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/survey/invalid.html", status=404)


def _organization_zone(organization: Organization) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(organization.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    found = read_survey_token(token)
    if found is None:
        return _invalid(request)
    organization = Organization.objects.filter(pk=found.organization_id).first()
    if organization is None:
        return _invalid(request)
    if organization.slug != org_slug:
        raise Http404
    with scope(organization=organization):
        survey = (
            NpsSurvey.objects.select_related("organization")
            .filter(organization=organization, public_id=found.survey_public_id)
            .first()
        )
        advocate = (
            Advocate.objects.select_related("user", "organization")
            .filter(organization=organization, public_id=found.advocate_public_id, anonymised_at__isnull=True)
            .first()
        )
        if survey is None or advocate is None:
            return _invalid(request)
        language = recipient_language(organization=organization, user=advocate.user)
        with translation.override(language), timezone.override(_organization_zone(organization)):
            response = _answer_page(request, organization=organization, survey=survey, advocate=advocate)
    response.headers["Content-Language"] = language
    return response


def _answer_page(
    request: HttpRequest, *, organization: Organization, survey: NpsSurvey, advocate: Advocate
) -> HttpResponse:
    context: dict[str, Any] = {"program_organization": organization, "survey": survey, "advocate": advocate}
    previous = survey_answer_for(survey, advocate)
    if previous is not None or not survey.is_open:
        status = 409 if request.method == "POST" else 200
        return render(request, "reporting/survey/answer.html", {**context, "previous": previous}, status=status)
    form = SurveyAnswerForm(request.POST or None)
    if request.method != "POST":
        return render(request, "reporting/survey/answer.html", {**context, "form": form})
    if not form.is_valid():
        return render(request, "reporting/survey/answer.html", {**context, "form": form}, status=400)
    try:
        recorded = survey_answer(
            survey=survey,
            advocate=advocate,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            request=request,
        )
    except ConflictError as error:
        form.add_error(None, error.message)
        survey.refresh_from_db()
        return render(
            request,
            "reporting/survey/answer.html",
            {**context, "form": form, "previous": survey_answer_for(survey, advocate)},
            status=409,
        )
    return render(request, "reporting/survey/done.html", {**context, "response": recorded})
