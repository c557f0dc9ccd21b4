"""Filters of an asset's page: an agent's numbers as a technician reads them."""

from django import template
from django.utils import translation

from custode.incidents import wording
from custode.web import sparkline as sparklines

register = template.Library()


@register.simple_tag
def sparkline(chart, label: str):
    """CHART (``asset_selectors.Chart``) as inline SVG named LABEL."""
    return sparklines.svg(chart.line, label=label)


@register.filter
def span(seconds) -> str:
    """Seconds as a duration in the reader's language: an uptime of '3 days, 4 hours and 5 minutes'."""
    return "" if seconds is None else wording.duration(float(seconds), translation.get_language())
