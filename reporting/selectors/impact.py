"""The business impact page: its panels, built from the figures of ``impact_figures``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization
from requests_mgmt.models import (
    ContentKind,
    ReferralStatus,
    RequestType,
)

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..panels import Figure, Panel, Table
from ..policy import ReportingPolicy
from .common import month_label, months_between
from .impact_figures import (
    CASE_STUDY_KEY,
    REFERENCE_KEY,
    TESTIMONIAL_KEY,
    activity_figures,
    content_published,
    opened_amount,
    opportunity_comparison,
    referral_figures,
    request_figures,
)


def references_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    activities = activity_figures(organization, report_filter)
    reference_requests = request_figures(organization, report_filter).of_type(RequestType.REFERENCE_CALL)
    targets = ReportingPolicy.for_organization(organization).targets
    month_list = months_between(report_filter.start, report_filter.end)
    monthly = activities.monthly(month_list, [REFERENCE_KEY])
    labels = [month_label(month) for month in month_list]
    return Panel(
        key="references",
        title=_("References provided"),
        figures=[
            Figure(_("References provided"), activities.completed(REFERENCE_KEY), hint=_("completed reference calls")),
            Figure(
                _("Reference close rate"),
                reference_requests.close_rate,
                kind="percent",
                hint=_("reference-call requests fulfilled"),
                target=targets.reference_close_rate,
            ),
            Figure(_("Reference requests submitted"), reference_requests.submitted),
        ],
        charts=[
            Chart(
                key="references-by-month",
                title=_("References provided by month"),
                labels=labels,
                series=[Series(_("References"), list(monthly))],
            )
        ],
        tables=[
            Table(
                key="references-by-month",
                title=_("References provided by month"),
                columns=[_("Month"), _("References provided")],
                rows=[[label, count] for label, count in zip(labels, monthly, strict=True)] if any(monthly) else [],
                numeric=(1,),
            ),
            Table(
                key="reference-requests",
                title=_("Reference-call requests"),
                columns=[_("Submitted"), _("Fulfilled"), _("Unfulfilled"), _("Close rate (%)")],
                rows=[
                    [
                        reference_requests.submitted,
                        reference_requests.fulfilled,
                        reference_requests.unfulfilled,
                        reference_requests.close_rate,
                    ]
                ]
                if reference_requests.submitted
                else [],
                numeric=(0, 1, 2, 3),
                caption=_("Requests submitted in the range, by where they ended."),
            ),
        ],
        note=_(
            "References: completed reference-call activities in the range. Close rate = fulfilled ÷ "
            "(fulfilled + unfulfilled) reference-call requests submitted in the range; open and cancelled "
            "requests are left out."
        ),
    )


def pipeline_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    requests = request_figures(organization, report_filter)
    total = requests.total
    rows = [
        [
            totals.label,
            totals.submitted,
            totals.fulfilled,
            totals.linked,
            totals.pipeline,
            totals.won,
            totals.lost,
            totals.won_value,
            totals.win_rate,
        ]
        for totals in requests.types
    ]
    return Panel(
        key="pipeline",
        title=_("Influenced pipeline and revenue"),
        figures=[
            Figure(_("Requests linked to opportunities"), total.linked),
            Figure(_("Influenced pipeline"), total.pipeline if requests.types else None, kind="money"),
            Figure(_("Won revenue"), total.won_value if requests.types else None, kind="money"),
            Figure(_("Deals won"), total.won),
            Figure(_("Deals lost"), total.lost),
            Figure(_("Deal win rate"), total.win_rate, kind="percent", hint=_("of deals advocacy supported")),
        ],
        charts=[
            Chart(
                key="pipeline-by-type",
                title=_("Pipeline and won revenue by request type"),
                labels=[totals.label for totals in requests.types],
                series=[
                    Series(_("Pipeline"), [float(totals.pipeline) for totals in requests.types]),
                    Series(_("Won"), [float(totals.won_value) for totals in requests.types]),
                ],
            )
        ],
        tables=[
            Table(
                key="pipeline-by-type",
                title=_("Influenced pipeline by request type"),
                columns=[
                    _("Request type"),
                    _("Submitted"),
                    _("Fulfilled"),
                    _("Linked to an opportunity"),
                    _("Pipeline"),
                    _("Won"),
                    _("Lost"),
                    _("Won revenue"),
                    _("Win rate (%)"),
                ],
                rows=rows,
                numeric=(1, 2, 3, 4, 5, 6, 7, 8),
            )
        ],
        note=_(
            "Requests submitted in the range. Pipeline: the deal value of fulfilled requests (the outcome's "
            "value when the requester gave one, else the request's). Win rate = won ÷ (won + lost) deals "
            "the requesters reported."
        ),
    )


def comparison_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    comparison = opportunity_comparison(organization, report_filter)
    targets = ReportingPolicy.for_organization(organization).targets
    groups = [(_("With advocacy"), comparison.with_advocacy), (_("Without advocacy"), comparison.without_advocacy)]
    labels = [str(label) for label, _group in groups]
    has_deals = any(group.closed for _label, group in groups)
    return Panel(
        key="win-rate",
        title=_("Win rate and sales cycle with and without advocacy"),
        figures=[
            Figure(_("Win rate with advocacy"), comparison.with_advocacy.win_rate, kind="percent"),
            Figure(_("Win rate without advocacy"), comparison.without_advocacy.win_rate, kind="percent"),
            Figure(
                _("Win rate lift"),
                comparison.win_rate_lift,
                kind="percent",
                hint=_("win rate with ÷ without − 1"),
                target=targets.win_rate_lift,
            ),
            Figure(_("Sales cycle with advocacy"), comparison.with_advocacy.cycle_days, kind="days"),
            Figure(_("Sales cycle without advocacy"), comparison.without_advocacy.cycle_days, kind="days"),
            Figure(
                _("Sales cycle reduction"),
                comparison.cycle_reduction,
                kind="percent",
                hint=_("1 − cycle with ÷ without"),
                target=targets.cycle_reduction,
            ),
            Figure(
                _("Opportunities supported"),
                comparison.supported_share,
                kind="percent",
                hint=_("of opportunities opened in the range"),
                target=targets.opportunities_supported,
            ),
        ],
        charts=[
            Chart(
                key="win-rate-comparison",
                title=_("Win rate (%)"),
                labels=labels,
                series=[Series(_("Win rate"), [group.win_rate for _label, group in groups])],
                unit="%",
            ),
            Chart(
                key="cycle-comparison",
                title=_("Average sales cycle of won deals (days)"),
                labels=labels,
                series=[Series(_("Days"), [group.cycle_days for _label, group in groups])],
            ),
        ],
        tables=[
            Table(
                key="win-rate-comparison",
                title=_("Deals closed in the range"),
                columns=[
                    _("Deals"),
                    _("Closed"),
                    _("Won"),
                    _("Lost"),
                    _("Win rate (%)"),
                    _("Average cycle of won deals (days)"),
                    _("Won amount"),
                ],
                rows=[
                    [
                        label,
                        group.closed,
                        group.won,
                        group.lost,
                        group.win_rate,
                        group.cycle_days,
                        group.won_amount,
                    ]
                    for label, group in groups
                ]
                if has_deals
                else [],
                numeric=(1, 2, 3, 4, 5, 6),
            )
        ],
        note=_(
            "CRM opportunities won or lost with a closing date in the range. With advocacy: the opportunity is "
            "named by a fulfilled request or a completed activity. Win rate = won ÷ (won + lost); cycle = "
            "average days from opening to closing of won deals; lift = win rate with ÷ without − 1; "
            "reduction = 1 − cycle with ÷ without. Opportunities supported: the share of opportunities opened "
            "in the range that had advocacy."
        ),
    )


def content_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    activities = activity_figures(organization, report_filter)
    published = content_published(organization, report_filter)
    targets = ReportingPolicy.for_organization(organization).targets
    month_list = months_between(report_filter.start, report_filter.end)
    labels = [month_label(month) for month in month_list]
    review_keys = [totals.key for totals in activities.review_types]
    series = [
        Series(_("Case studies"), list(activities.monthly(month_list, [CASE_STUDY_KEY]))),
        Series(_("Testimonials"), list(activities.monthly(month_list, [TESTIMONIAL_KEY]))),
        Series(_("Reviews"), list(activities.monthly(month_list, review_keys))),
    ]
    kinds = [totals for totals in activities.types.values() if totals.key != REFERENCE_KEY]
    kinds.sort(key=lambda totals: (totals.is_review, totals.name))
    return Panel(
        key="content",
        title=_("Content produced"),
        figures=[
            Figure(_("Case studies"), activities.completed(CASE_STUDY_KEY)),
            Figure(_("Testimonials"), activities.completed(TESTIMONIAL_KEY)),
            Figure(_("Reviews"), activities.reviews),
            Figure(
                _("Review average"),
                activities.review_average,
                kind="rating",
                hint=_("stars the reviews gave"),
                target=targets.review_average,
            ),
            Figure(_("Case studies published"), published.get(ContentKind.CASE_STUDY, 0)),
            Figure(_("Testimonials published"), published.get(ContentKind.TESTIMONIAL, 0)),
        ],
        charts=[Chart(key="content-by-month", title=_("Content produced by month"), labels=labels, series=series)],
        tables=[
            Table(
                key="content-by-type",
                title=_("Completed activities by type"),
                columns=[_("Activity type"), _("Completed"), _("Ratings recorded"), _("Average rating")],
                rows=[
                    [
                        totals.name,
                        totals.completed,
                        totals.rating_count if totals.is_review else None,
                        totals.average_rating if totals.is_review else None,
                    ]
                    for totals in kinds
                ],
                numeric=(1, 2, 3),
            ),
            Table(
                key="content-published",
                title=_("Content pieces published"),
                columns=[_("Kind"), _("Published")],
                rows=[[kind.label, published.get(kind.value, 0)] for kind in ContentKind] if published else [],
                numeric=(1,),
                caption=_("Pieces whose first publication may be used from a day in the range."),
            ),
        ],
        note=_(
            "Case studies, testimonials and reviews: completed activities in the range. Review average = the "
            "stars recorded on review activities ÷ the number of reviews rated."
        ),
    )


REFERRAL_STAGES = (
    ReferralStatus.SUBMITTED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.OPPORTUNITY,
    ReferralStatus.WON,
    ReferralStatus.LOST,
    ReferralStatus.DECLINED,
)


def referrals_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    referrals = referral_figures(organization, report_filter)
    pipeline_share = referrals.pipeline_share(opened_amount(organization, report_filter))
    targets = ReportingPolicy.for_organization(organization).targets
    labels = [str(ReferralStatus(status).label) for status in REFERRAL_STAGES]
    counts = [referrals.count(status) for status in REFERRAL_STAGES]
    return Panel(
        key="referrals",
        title=_("Referrals and their conversion"),
        figures=[
            Figure(_("Referrals submitted"), referrals.submitted),
            Figure(_("Won"), referrals.count(ReferralStatus.WON)),
            Figure(_("Conversion"), referrals.conversion, kind="percent", hint=_("won ÷ submitted")),
            Figure(_("Referral pipeline"), referrals.pipeline, kind="money"),
            Figure(
                _("Share of pipeline from referrals"),
                pipeline_share,
                kind="percent",
                hint=_("of the amount of opportunities opened in the range"),
                target=targets.referral_pipeline_share,
            ),
        ],
        charts=[
            Chart(
                key="referrals-by-status",
                title=_("Referrals by where they stand"),
                labels=labels,
                series=[Series(_("Referrals"), list(counts))],
            )
        ],
        tables=[
            Table(
                key="referrals-by-status",
                title=_("Referrals received in the range"),
                columns=[_("Where they stand"), _("Referrals")],
                rows=[[label, count] for label, count in zip(labels, counts, strict=True)]
                if referrals.submitted
                else [],
                numeric=(1,),
            )
        ],
        note=_(
            "Referrals received in the range, by their status today. Conversion = won ÷ all submitted. "
            "Referral pipeline: their summed opportunity value; its share is taken of the amount of all CRM "
            "opportunities opened in the range."
        ),
    )


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [
        references_panel(organization, report_filter),
        pipeline_panel(organization, report_filter),
        comparison_panel(organization, report_filter),
        content_panel(organization, report_filter),
        referrals_panel(organization, report_filter),
    ]
