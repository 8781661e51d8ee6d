from datetime import UTC, datetime, timedelta

from django.utils import translation

from leads.templatetags.lead_text import rough_duration

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_rough_duration_keeps_only_the_largest_unit() -> None:
    with translation.override("en"):
        assert rough_duration(NOW - timedelta(days=3, hours=4), NOW) == "3\xa0days"
        assert rough_duration(NOW - timedelta(hours=6, minutes=26), NOW) == "6\xa0hours"
