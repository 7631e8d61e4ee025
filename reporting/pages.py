"""The report pages by key, each with its title, its web address and the function that builds its
panels, so the API and the executive summary email can serve any page without knowing what is on it.

Builders are named by dotted path and imported on first use: a page whose module is not installed
is unknown (404 in the API, left out of the list), while any error raised inside a module that
does exist propagates as the bug it is."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from advocacy.models import Organization

from .filters import ReportFilter
from .panels import Panel

PanelBuilder = Callable[[Organization, ReportFilter], list[Panel]]

PAGE_BUILDERS: dict[str, str] = {
    "health": "reporting.selectors.health.build",
    "fairness": "reporting.selectors.fairness.build",
    "impact": "reporting.selectors.impact.build",
    "satisfaction": "reporting.selectors.satisfaction.build",
    "roi": "reporting.selectors.roi.build",
    "targets": "reporting.selectors.targets.build",
    "opportunities": "reporting.selectors.opportunities.build",
    "executive": "reporting.selectors.executive.build",
}

PAGE_TITLES: dict[str, Any] = {
    "health": _("Program health"),
    "fairness": _("Fairness and bench"),
    "impact": _("Business impact"),
    "satisfaction": _("Satisfaction"),
    "roi": _("ROI"),
    "targets": _("Targets"),
    "opportunities": _("Opportunities"),
    "executive": _("Executive summary"),
}

# URL names of the web pages; the program health page is the dashboard, the organisation's home.
PAGE_URL_NAMES: dict[str, str] = {
    "health": "dashboard",
    "fairness": "reporting:fairness",
    "impact": "reporting:impact",
    "satisfaction": "reporting:satisfaction",
    "roi": "reporting:roi",
    "targets": "reporting:targets",
    "opportunities": "reporting:opportunities",
    "executive": "reporting:executive",
}


class UnknownPage(LookupError):
    """No report page by that key, or its builder is not installed."""


@dataclass(frozen=True)
class ReportPage:
    key: str
    title: Any
    build: PanelBuilder

    def web_path(self, organization: Organization) -> str:
        """The page's address on the site (without the host)."""
        return reverse(PAGE_URL_NAMES[self.key], kwargs={"org_slug": organization.slug})


def _missing(error: ImportError, dotted_path: str) -> bool:
    """Whether ``error`` says the builder itself is absent (its module or its function), rather
    than that something the module imports is broken."""
    module_path, _sep, attribute = dotted_path.rpartition(".")
    if isinstance(error, ModuleNotFoundError):
        return error.name is not None and (module_path == error.name or module_path.startswith(error.name + "."))
    module = sys.modules.get(module_path)
    return isinstance(error.__cause__, AttributeError) and module is not None and not hasattr(module, attribute)


def get_page(page: str) -> ReportPage:
    """The page by key; ``UnknownPage`` when there is none or its builder is not installed."""
    dotted_path = PAGE_BUILDERS.get(page)
    if dotted_path is None:
        raise UnknownPage(page)
    try:
        build = import_string(dotted_path)
    except ImportError as error:
        if _missing(error, dotted_path):
            raise UnknownPage(page) from error
        raise
    return ReportPage(key=page, title=PAGE_TITLES.get(page, page), build=build)


def available_pages() -> list[ReportPage]:
    """Every page whose builder is installed, in the order of the site's navigation."""
    pages = []
    for key in PAGE_BUILDERS:
        try:
            pages.append(get_page(key))
        except UnknownPage:
            continue
    return pages


def build_page(page: str, organization: Organization, report_filter: ReportFilter) -> list[Panel]:
    """The panels of ``page`` for the organisation and filter."""
    return get_page(page).build(organization, report_filter)
