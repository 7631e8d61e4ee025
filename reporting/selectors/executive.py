"""The executive summary: the few figures leadership asks about, for any range (and, by email,
for the quarter just ended): business results with and without advocacy, the return on the
program's cost, how advocates rate the program, and the year's targets."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization

from ..charts import Chart, Series
from ..filters import ReportFilter
from ..panels import Figure, Panel
from ..templatetags.reporting import figure
from . import impact_figures, roi, satisfaction, targets


def business_panel(organization: Organization, report_filter: ReportFilter) -> Panel:
    figures = impact_figures.headline(organization, report_filter)
    return Panel(
        key="business",
        title=_("Business results"),
        figures=[
            Figure(_("References provided"), figures["references"]),
            Figure(_("Influenced pipeline"), figures["pipeline"], kind="money"),
            Figure(_("Influenced revenue (won)"), figures["won_value"], kind="money"),
            Figure(
                _("Win rate with advocacy"),
                figures["win_rate_with"],
                kind="percent",
                hint=_("without: %(rate)s") % {"rate": figure(figures["win_rate_without"], "percent")},
            ),
            Figure(
                _("Sales cycle with advocacy"),
                figures["cycle_with"],
                kind="days",
                higher_is_better=False,
                hint=_("without: %(days)s") % {"days": figure(figures["cycle_without"], "days")},
            ),
            Figure(_("Case studies"), figures["case_studies"]),
            Figure(_("Testimonials"), figures["testimonials"]),
            Figure(_("Review average"), figures["review_average"], kind="rating"),
            Figure(_("Referral conversion"), figures["referral_conversion"], kind="percent"),
        ],
        charts=[
            Chart(
                key="with-without",
                title=_("Win rate with and without advocacy (%)"),
                labels=[str(_("Win rate"))],
                series=[
                    Series(_("With advocacy"), [figures["win_rate_with"]]),
                    Series(_("Without"), [figures["win_rate_without"]]),
                ],
                unit="%",
            )
        ],
        note=_(
            "Deals with advocacy are the CRM opportunities a fulfilled request or a completed activity names; "
            "win rate = won ÷ (won + lost) of those closed in the range; cycle = average days from opening to a win."
        ),
    )


def build(organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    return [
        business_panel(organization, report_filter),
        roi.roi_panel(organization, report_filter),
        satisfaction.nps_panel(organization, report_filter),
        targets.targets_panel(organization, report_filter),
    ]
