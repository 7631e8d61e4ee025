"""The program survey's question on the advocate's portal home, shown while a round they were sent
is open and they have not answered it."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from advocates.models import Advocate, NpsResponse

from ..models import NpsSurvey
from ..surveys import survey_token

register = template.Library()


@register.inclusion_tag("reporting/survey/_portal_card.html")
def nps_survey_card(advocate: Advocate) -> dict[str, Any]:
    """The card asks only an active advocate, once per round. One query: the open round, if any,
    with whether this advocate has answered it."""
    if advocate.status != Advocate.Status.ACTIVE or advocate.anonymised_at or advocate.erasure_requested_at:
        return {"answer_url": None}
    now = timezone.now()
    organization_id = advocate.organization_id
    answered = NpsResponse.objects.filter(organization=organization_id, survey=OuterRef("pk"), advocate=advocate)
    survey = (
        NpsSurvey.objects.filter(organization=organization_id, opened_at__lte=now, closes_at__gt=now)
        .annotate(answered=Exists(answered))
        .order_by("-opened_at", "-id")
        .first()
    )
    if survey is None or survey.answered:
        return {"answer_url": None}
    url = reverse(
        "surveys:answer", kwargs={"org_slug": advocate.organization.slug, "token": survey_token(survey, advocate)}
    )
    return {"answer_url": url, "survey": survey, "organization": advocate.organization}
