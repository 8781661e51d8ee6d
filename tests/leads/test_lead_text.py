from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from leads.templatetags.lead_text import rough_duration

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_rough_duration_keeps_only_the_largest_unit() -> None:
    with translation.override("en"):
        assert rough_duration(NOW - timedelta(days=3, hours=4), NOW) == "3\xa0days"
        assert rough_duration(NOW - timedelta(hours=6, minutes=26), NOW) == "6\xa0hours"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Pacific/Auckland"])
def test_short_date_says_what_the_date_filter_says(language: str, zone: str) -> None:
    moments = [NOW + timedelta(hours=hours) for hours in range(-30, 30, 7)]
    both = Template(
        '{% load lead_text %}{% for m in moments %}{{ m|date:"SHORT_DATE_FORMAT" }}='
        "{{ m|short_date }};{% endfor %}"
    )

    with translation.override(language), timezone.override(zone):
        pairs = both.render(Context({"moments": moments})).rstrip(";").split(";")

    assert len(pairs) == len(moments)
    assert all(left == right for left, right in (pair.split("=") for pair in pairs)), pairs
    # Late in the UTC evening is the next day in Auckland, the day before in Los Angeles.
    assert len({pair.split("=")[1] for pair in pairs}) >= 3
