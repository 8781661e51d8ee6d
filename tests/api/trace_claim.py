"""The project files a claim made through the API passes through, in the order it enters them.

    .venv/bin/pytest tests/api/trace_claim.py -p no:randomly -q -s

Not part of the suite (its name does not start with test_): a measure of the layers, printed,
with the number of times the path steps between `leads` and `funnel`.
"""

import sys
from itertools import pairwise
from pathlib import Path
from types import FrameType
from typing import Any

from django.urls import resolve

from accounts.models import User
from tests.api.conftest import ClientFor, qualified

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "smarketing", "leads", "funnel", "dashboard", "digests")


def _project_file(frame: FrameType) -> str | None:
    path = Path(frame.f_code.co_filename)
    if not path.is_relative_to(ROOT):
        return None
    relative = path.relative_to(ROOT)
    return str(relative) if relative.parts[0] in APPS else None


def test_trace_a_claim_through_the_api(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = qualified(marketer)
    client = client_for(sales_rep)
    url = f"/api/v1/leads/{lead.pk}/claim/"
    resolve(url)  # the URLconf imports every view first: imports are not the path
    entered: list[str] = []

    def profile(frame: FrameType, event: str, _: Any) -> None:
        if (
            event == "call"
            and frame.f_code.co_name != "<module>"
            and (name := _project_file(frame))
            and name not in entered
        ):
            entered.append(name)

    sys.setprofile(profile)
    try:
        response = client.post(url)
    finally:
        sys.setprofile(None)

    assert response.status_code == 200
    apps = [name.split("/")[0] for name in entered if name.split("/")[0] in {"leads", "funnel"}]
    steps = sum(1 for before, after in pairwise(apps) if before != after)
    print(f"\n{len(entered)} project files; {steps} steps between leads and funnel:")  # noqa: T201
    for name in entered:
        print(f"  {name}")  # noqa: T201
