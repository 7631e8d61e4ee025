"""Advocate satisfaction: the program NPS, its trend by quarter and by survey round, what advocates
wrote, and advocate retention and participation.

Definitions
- NPS = % promoters (9–10) − % detractors (0–6) of the responses given in the range (by
  ``responded_on``), every source counted (survey rounds and scores the team recorded). The segment
  filter is the advocate's account segment.
- Response rate of a round = its responses / the advocates it was sent to. Rounds are program-wide,
  so the round figures ignore the segment filter.
- A person's status at a moment is the status their latest status change before it set; someone
  with no change recorded before it counts as in the program if they had joined by then.
- Retention: the base is the advocates who joined before the range starts (``joined_at`` < start)
  and were not alumni at its start; lost are those of the base who are alumni at the end of the
  range (they left during it and had not come back). Retention = (base − lost) / base.
- Participation: of the advocates in the program (active or paused) at the end of the range who
  had joined by then, the share with at least one completed activity dated in the range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization
from advocates.models import Activity, Advocate, AdvocateStatusChange, NpsResponse

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..models import NpsSurvey
from ..panels import Figure, Panel, Table, share
from ..policy import ReportingPolicy
from .common import account_segment_filter

PROMOTER = Q(score__gte=9)
PASSIVE = Q(score__gte=7, score__lte=8)
DETRACTOR = Q(score__lte=6)
IN_PROGRAM = (Advocate.Status.ACTIVE, Advocate.Status.PAUSED)
# Status at a moment for someone without a status change before it (they had joined by then).
JOINED = "joined"
COMMENTS_SHOWN = 20


def nps(promoters: int, detractors: int, responses: int) -> float | None:
    """% promoters − % detractors, one decimal; None without responses."""
    if not responses:
        return None
    return round(100 * (promoters - detractors) / responses, 1)


@dataclass(frozen=True)
class NpsCounts:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        return nps(self.promoters, self.detractors, self.responses)


def _counts(row: Mapping[str, Any]) -> NpsCounts:
    return NpsCounts(
        responses=row.get("responses") or 0,
        promoters=row.get("promoters") or 0,
        passives=row.get("passives") or 0,
        detractors=row.get("detractors") or 0,
    )


NPS_AGGREGATES = {
    "responses": Count("id"),
    "promoters": Count("id", filter=PROMOTER),
    "passives": Count("id", filter=PASSIVE),
    "detractors": Count("id", filter=DETRACTOR),
}


def responses_in_range(organization: Organization, report_filter: ReportFilter) -> QuerySet[NpsResponse]:
    return NpsResponse.objects.filter(
        organization=organization,
        responded_on__gte=report_filter.start,
        responded_on__lte=report_filter.end,
        **account_segment_filter(report_filter, "advocate__account__segment"),
    )


def nps_in_range(organization: Organization, report_filter: ReportFilter) -> NpsCounts:
    """One query."""
    return _counts(responses_in_range(organization, report_filter).aggregate(**NPS_AGGREGATES))


def score_distribution(organization: Organization, report_filter: ReportFilter) -> list[int]:
    """Responses per score, 0 to 10. One query."""
    counts = dict(
        responses_in_range(organization, report_filter)
        .order_by()
        .values_list("score")
        .annotate(count=Count("id"))
        .values_list("score", "count")
    )
    return [counts.get(score, 0) for score in range(11)]


def quarter_starts(start: date, end: date) -> list[date]:
    first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    quarters = []
    while first <= end:
        quarters.append(first)
        month = first.month + 3
        first = date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
    return quarters


def nps_by_quarter(organization: Organization, report_filter: ReportFilter) -> list[tuple[date, NpsCounts]]:
    """Every quarter the range touches (the first and last may be partial), with its counts. One query."""
    rows = (
        responses_in_range(organization, report_filter)
        .annotate(quarter=TruncQuarter("responded_on"))
        .order_by()
        .values("quarter")
        .annotate(**NPS_AGGREGATES)
    )
    by_quarter = {row["quarter"]: _counts(row) for row in rows}
    empty = NpsCounts(0, 0, 0, 0)
    quarters = quarter_starts(report_filter.start, report_filter.end)
    return [(quarter, by_quarter.get(quarter, empty)) for quarter in quarters]


@dataclass(frozen=True)
class RoundFigures:
    survey: NpsSurvey
    counts: NpsCounts

    @property
    def response_rate(self) -> float | None:
        if not self.survey.recipients:
            return None
        return round(100 * self.counts.responses / self.survey.recipients, 1)


def _with_counts(surveys: QuerySet[NpsSurvey]) -> QuerySet[NpsSurvey]:
    return surveys.annotate(
        responses_count=Count("responses"),
        promoters=Count("responses", filter=Q(responses__score__gte=9)),
        passives=Count("responses", filter=Q(responses__score__gte=7, responses__score__lte=8)),
        detractors=Count("responses", filter=Q(responses__score__lte=6)),
    )


def _round(survey: NpsSurvey) -> RoundFigures:
    counts = NpsCounts(
        responses=survey.responses_count,  # type: ignore[attr-defined]
        promoters=survey.promoters,  # type: ignore[attr-defined]
        passives=survey.passives,  # type: ignore[attr-defined]
        detractors=survey.detractors,  # type: ignore[attr-defined]
    )
    return RoundFigures(survey=survey, counts=counts)


def survey_rounds(organization: Organization, report_filter: ReportFilter) -> list[RoundFigures]:
    """Rounds opened in the range, newest first, with their responses. One query."""
    start, end = day_start(report_filter.start), day_start(report_filter.end + timedelta(days=1))
    surveys = NpsSurvey.objects.filter(organization=organization, opened_at__gte=start, opened_at__lt=end)
    return [_round(survey) for survey in _with_counts(surveys).order_by("-opened_at", "-id")]


def latest_round(organization: Organization, report_filter: ReportFilter | None = None) -> RoundFigures | None:
    """The latest round opened by the end of the range (the latest of all without a range). One query."""
    surveys = NpsSurvey.objects.filter(organization=organization)
    if report_filter is not None:
        surveys = surveys.filter(opened_at__lt=day_start(report_filter.end + timedelta(days=1)))
    survey = _with_counts(surveys).order_by("-opened_at", "-id").first()
    return _round(survey) if survey is not None else None


@dataclass(frozen=True)
class Comment:
    responded_on: date
    score: int
    advocate: str
    tier: str
    comment: str


def recent_comments(organization: Organization, report_filter: ReportFilter) -> list[Comment]:
    """The newest comments given in the range. One query."""
    rows = (
        responses_in_range(organization, report_filter)
        .exclude(comment="")
        .select_related("advocate")
        .only("responded_on", "score", "comment", "advocate__full_name", "advocate__tier")
        .order_by("-responded_on", "-id")[:COMMENTS_SHOWN]
    )
    return [
        Comment(
            responded_on=row.responded_on,
            score=row.score,
            advocate=row.advocate.full_name,
            tier=str(row.advocate.get_tier_display()),
            comment=row.comment,
        )
        for row in rows
    ]


# Retention and participation ---------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def status_at(moment: datetime) -> Coalesce:
    """The advocate's status just before ``moment``: the latest status change before it, else
    ``JOINED`` (no change recorded before it)."""
    latest = (
        AdvocateStatusChange.objects.filter(
            organization=OuterRef("organization"), advocate=OuterRef("pk"), created_at__lt=moment
        )
        .order_by("-created_at", "-id")
        .values("to_status")[:1]
    )
    return Coalesce(Subquery(latest), Value(JOINED), output_field=CharField())


@dataclass(frozen=True)
class Retention:
    base: int
    lost: int
    in_program: int
    participants: int

    @property
    def retained(self) -> int:
        return self.base - self.lost

    @property
    def retention(self) -> float | None:
        if not self.base:
            return None
        return round(100 * self.retained / self.base, 1)

    @property
    def participation(self) -> float | None:
        if not self.in_program:
            return None
        return round(100 * self.participants / self.in_program, 1)


def retention_rate(organization: Organization, report_filter: ReportFilter) -> float | None:
    """Retention over the range in percent (None without a base), for the targets page."""
    return retention(organization, report_filter).retention


def retention(organization: Organization, report_filter: ReportFilter) -> Retention:
    """Retention and participation over the range (definitions in the module docstring). One query."""
    start, after_end = day_start(report_filter.start), day_start(report_filter.end + timedelta(days=1))
    in_program_states = (*IN_PROGRAM, JOINED)
    took_part = Activity.objects.filter(
        organization=OuterRef("organization"),
        advocate=OuterRef("pk"),
        status=Activity.Status.COMPLETED,
        occurred_on__gte=report_filter.start,
        occurred_on__lte=report_filter.end,
    )
    figures = (
        Advocate.objects.filter(
            organization=organization,
            joined_at__lte=report_filter.end,
            **account_segment_filter(report_filter),
        )
        .annotate(at_start=status_at(start), at_end=status_at(after_end), took_part=Exists(took_part))
        .aggregate(
            base=Count("id", filter=Q(joined_at__lt=report_filter.start, at_start__in=in_program_states)),
            lost=Count(
                "id",
                filter=Q(
                    joined_at__lt=report_filter.start,
                    at_start__in=in_program_states,
                    at_end=Advocate.Status.ALUMNI,
                ),
            ),
            in_program=Count("id", filter=Q(at_end__in=in_program_states)),
            participants=Count("id", filter=Q(at_end__in=in_program_states, took_part=True)),
        )
    )
    return Retention(
        base=figures["base"] or 0,
        lost=figures["lost"] or 0,
        in_program=figures["in_program"] or 0,
        participants=figures["participants"] or 0,
    )


# Panels -------------------------------------------------------------------------------------------


def quarter_label(quarter: date) -> str:
    return str(_("Q%(quarter)s %(year)s") % {"quarter": (quarter.month - 1) // 3 + 1, "year": quarter.year})


def nps_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """The program NPS in the range with its make-up, and the latest round's response rate."""
    counts = nps_in_range(organization, report_filter)
    distribution = score_distribution(organization, report_filter)
    latest = latest_round(organization, report_filter)
    latest_hint = (
        _("Round opened %(date)s: %(responses)s of %(recipients)s advocates answered")
        % {
            "date": formats.date_format(timezone.localtime(latest.survey.opened_at), "DATE_FORMAT"),
            "responses": latest.counts.responses,
            "recipients": latest.survey.recipients,
        }
        if latest is not None
        else _("No survey round yet")
    )
    return Panel(
        key="nps",
        title=_("Program NPS"),
        figures=[
            Figure(_("Net Promoter Score"), counts.score, kind="score", hint=_("From −100 to 100")),
            Figure(_("Responses"), counts.responses),
            Figure(_("Promoters (9–10)"), counts.promoters),
            Figure(_("Passives (7–8)"), counts.passives),
            Figure(_("Detractors (0–6)"), counts.detractors, higher_is_better=False),
            Figure(
                _("Response rate, latest round"),
                latest.response_rate if latest is not None else None,
                kind="percent",
                hint=latest_hint,
            ),
        ],
        charts=[
            Chart(
                key="nps-scores",
                title=_("Responses by score"),
                labels=[str(score) for score in range(11)],
                series=[Series(_("Responses"), list(distribution))],
            )
        ],
        tables=[
            Table(
                "nps-scores",
                _("Responses by score"),
                [_("Score"), _("Responses")],
                [[score, count] for score, count in enumerate(distribution)] if counts.responses else [],
                numeric=(0, 1),
            )
        ],
        note=_(
            "NPS = % promoters (9–10) − % detractors (0–6) of the responses given in the range, from survey "
            "rounds and scores the team recorded. Response rate = responses to the round ÷ advocates it was "
            "sent to, across all segments."
        ),
    )


def trend_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """The NPS by quarter and by survey round."""
    quarters = nps_by_quarter(organization, report_filter)
    rounds = survey_rounds(organization, report_filter)
    quarter_rows: list[list[Any]] = [
        [quarter_label(quarter), counts.responses, counts.promoters, counts.passives, counts.detractors, counts.score]
        for quarter, counts in quarters
    ]
    round_rows = [
        [
            timezone.localtime(item.survey.opened_at).date(),
            timezone.localtime(item.survey.closes_at).date(),
            item.survey.recipients,
            item.counts.responses,
            item.response_rate,
            item.counts.score,
        ]
        for item in rounds
    ]
    scores = [counts.score for _quarter, counts in quarters]
    series = [
        Series(_("Promoters (%)"), [share(counts.promoters, counts.responses) for _quarter, counts in quarters]),
        Series(_("Detractors (%)"), [share(counts.detractors, counts.responses) for _quarter, counts in quarters]),
    ]
    # The chart's axis starts at zero: a negative NPS is read from the gap between the two lines.
    if all(score is None or score >= 0 for score in scores):
        series.append(Series(_("NPS"), list(scores)))
    return Panel(
        key="nps-trend",
        title=_("NPS trend"),
        charts=[
            Chart(
                key="nps-quarters",
                title=_("NPS by quarter"),
                labels=[quarter_label(quarter) for quarter, _figures in quarters],
                series=series,
                kind="line",
                description=_(
                    "Promoters and detractors as shares of each quarter's responses; the NPS is the gap between "
                    "them. Quarters without responses have no point. The table gives every value."
                ),
            )
        ],
        tables=[
            Table(
                "nps-quarters",
                _("NPS by quarter"),
                [_("Quarter"), _("Responses"), _("Promoters"), _("Passives"), _("Detractors"), _("NPS")],
                quarter_rows if any(counts.responses for _quarter, counts in quarters) else [],
                numeric=(1, 2, 3, 4, 5),
            ),
            Table(
                "nps-rounds",
                _("Survey rounds opened in the range"),
                [_("Opened"), _("Closes"), _("Sent to"), _("Responses"), _("Response rate (%)"), _("NPS")],
                round_rows,
                numeric=(2, 3, 4, 5),
                caption=_("Rounds go to the whole program: these figures are across all segments."),
            ),
        ],
        note=_("NPS = % promoters − % detractors. The NPS of a round counts the answers given to that round."),
    )


def comments_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """What advocates wrote with their score, newest first."""
    comments = recent_comments(organization, report_filter)
    return Panel(
        key="nps-comments",
        title=_("What advocates said"),
        tables=[
            Table(
                "nps-comments",
                _("Latest comments (up to %(count)s)") % {"count": COMMENTS_SHOWN},
                [_("Date"), _("Score"), _("Advocate"), _("Tier"), _("Comment")],
                [[item.responded_on, item.score, item.advocate, item.tier, item.comment] for item in comments],
                numeric=(1,),
            )
        ],
    )


def retention_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    """Advocate retention and participation over the range."""
    figures = retention(organization, report_filter)
    target = ReportingPolicy.for_organization(organization).targets.retention
    return Panel(
        key="retention",
        title=_("Advocate retention and participation"),
        figures=[
            Figure(_("Retention"), figures.retention, kind="percent", target=target),
            Figure(_("In the program at the start"), figures.base),
            Figure(_("Left during the range"), figures.lost, higher_is_better=False),
            Figure(_("Participation"), figures.participation, kind="percent"),
            Figure(
                _("Took part in the range"),
                figures.participants,
                hint=_("of %(count)s advocates in the program at the range's end") % {"count": figures.in_program},
            ),
        ],
        charts=[
            Chart(
                key="retention",
                title=_("Retention and participation (%)"),
                labels=[str(_("Retention")), str(_("Participation"))],
                series=[Series(_("Share"), [figures.retention, figures.participation])],
                unit="%",
            )
        ],
        note=_(
            "Retention = advocates who joined before the range and were not alumni at its start, less those "
            "of them who are alumni at its end, ÷ the former. Participation = advocates in the program (active "
            "or paused) at the range's end with a completed activity dated in the range ÷ all of them. A "
            "status at a moment is the one the latest status change before it set."
        ),
    )


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [
        nps_panel(organization, report_filter),
        trend_panel(organization, report_filter),
        retention_panel(organization, report_filter),
        comments_panel(organization, report_filter),
    ]
