"""Counts in the digest read in the singular when there is one: "1 MQL", never "1 MQLs"."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation


def agreement(waiting: int) -> dict[str, object]:
    return {
        "team": {
            "goal": {"period": "Q4 2026"},
            "week": {
                "mqls": 3,
                "mqls_before": 2,
                "claims": 2,
                "claimed_in_time": 1,
                "touched_in_time": 1,
            },
            "agreement": {
                "claimed_in_time_share": 0.5,
                "touched_in_time_share": 0.25,
                "waiting_past_limit": waiting,
                "mqls_needed": None,
                "mqls_delivered": 3,
            },
        }
    }


@pytest.mark.parametrize(
    "template",
    ["digests/_agreement.html", "digests/email/_agreement.html", "digests/email/_agreement.txt"],
)
def test_one_mql_waiting_is_one_mql(template: str) -> None:
    with translation.override("en"):
        one = " ".join(render_to_string(template, agreement(1)).split())
        two = " ".join(render_to_string(template, agreement(2)).split())
    assert "1 MQL waiting past the limit now." in one
    assert "1 MQLs" not in one
    assert "2 MQLs waiting past the limit now." in two


def test_the_marketer_s_subject_counts_one_mql_as_one() -> None:
    week = {"mqls": 1, "mqls_before": 0}
    context = {"role": "marketing", "week_start": None, "team": {"week": week}}
    with translation.override("en"):
        subject = render_to_string("digests/email/subject.txt", context)
    assert ": 1 MQL delivered (the week before: 0)" in subject
