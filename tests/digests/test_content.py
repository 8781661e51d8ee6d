"""Every version of a digest's stored content reads in the page and both emails.

tests/digests/content/v<N>/<role>.json are real digests: built by the services from the funnel
of `_build` and frozen as they were stored. After raising digests.content.CURRENT_VERSION,
freeze examples of the new version with

    FREEZE_DIGEST_CONTENT=1 pytest tests/digests/test_content.py -k shape

and add what each must show to SHOWS. Until then, the shape test fails whenever the built
content no longer has the stored shape of the current version: a section that changes its
shape must raise the version (and upgrade the old one in digests.content).
"""

import json
import os
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from dashboard.rollup import refresh_rollups
from digests import content
from digests.content import CURRENT_VERSION, UnknownVersion, Upgrade, current_digest
from digests.emails import digest_message
from digests.models import Digest, DigestRole
from digests.services import build_digest
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import period_containing, week
from tests.digests.steps import Funnel, monday

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "content"
ROLES = [DigestRole.MANAGER, DigestRole.SALES, DigestRole.MARKETING]

# What each stored example must show, in the page, the text email and the HTML email alike.
SHOWS: dict[tuple[int, str], list[str]] = {
    (1, DigestRole.MANAGER): [
        "Revenue goal: Q",
        "100,000",  # the goal
        "12,500",  # won
        "Waiting Mql",  # the queue
        "No budget",  # why a lead came back
        "Price too high",  # why a deal was lost
        "Website",  # the source that converted
        "Fresh Lead",  # stuck in New
    ],
    (1, DigestRole.SALES): [
        "Untouched Sql",  # waiting for the rep's first touch
        "12,500",  # won this week
        "Price too high",
        "Waiting Mql",
    ],
    (1, DigestRole.MARKETING): [
        "No budget",
        "Fresh Lead",  # the marketer's lead stuck in New
        "Website",
    ],
}
# Version 2 keeps stage and reason names in each language; it shows what version 1 showed.
SHOWS |= {(2, role): figures for (version, role), figures in list(SHOWS.items()) if version == 1}


def _example(version: int, role: str) -> Path:
    return EXAMPLES / f"v{version}" / f"{role}.json"


def _shape(value: Any) -> Any:
    """The keys of every object in the content, however deep; not the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return "value"


def _build(marketer: User, rep: User, people: dict[str, User]) -> dict[str, Digest]:
    """A week with something in every section, read 80 hours later: an MQL nobody claimed, an
    SQL nobody touched, a deal won, one lost, one lead sent back, one left in New."""
    funnel = Funnel(marketer=marketer, rep=rep)
    funnel.mql("Waiting Mql")
    funnel.sql("Untouched Sql")
    funnel.won("Big Win", value="12500")
    funnel.recycled("Sent Back", why="no-budget")
    funnel.lost("Too Pricey", why="price")
    funnel.new_lead("Fresh Lead")
    this_week = week(monday(timezone.localdate()))
    quarter = period_containing(this_week.last_day, kind=PeriodKind.QUARTER)
    RevenueGoal.objects.create(
        kind=PeriodKind.QUARTER,
        starts_on=quarter.first_day,
        ends_on=quarter.end_day,
        amount=Decimal(100_000),
        marketing_share=60,
    )
    refresh_rollups()
    later = timezone.now() + timedelta(hours=80)
    return {
        role: build_digest(user=person, week=this_week.first_day, now=later)
        for role, person in people.items()
    }


@pytest.fixture
def people(manager: User, sales_rep: User, marketer: User) -> dict[str, User]:
    return {
        DigestRole.MANAGER: manager,
        DigestRole.SALES: sales_rep,
        DigestRole.MARKETING: marketer,
    }


def test_built_content_has_the_stored_shape_of_the_current_version(
    people: dict[str, User], marketer: User, sales_rep: User
) -> None:
    built = _build(marketer, sales_rep, people)

    for role, digest in built.items():
        assert digest.content_version == CURRENT_VERSION
        path = _example(CURRENT_VERSION, role)
        if os.environ.get("FREEZE_DIGEST_CONTENT"):
            path.parent.mkdir(parents=True, exist_ok=True)
            frozen = {
                "version": digest.content_version,
                "role": digest.role,
                "week": digest.week.isoformat(),
                "built_at": digest.built_at.isoformat(),
                "content": digest.content,
            }
            path.write_text(json.dumps(frozen, indent=1, ensure_ascii=False) + "\n")
        stored = json.loads(path.read_text())
        assert _shape(digest.content) == _shape(stored["content"]), (
            f"The {role} digest's content changed shape: raise CURRENT_VERSION and upgrade "
            "the old version in digests.content."
        )


def test_every_version_has_a_stored_example_for_every_role() -> None:
    for version in range(1, CURRENT_VERSION + 1):
        for role in ROLES:
            assert _example(version, role).is_file(), f"no stored {role} digest of v{version}"
            assert SHOWS[(version, role)], f"nothing to look for in the {role} digest of v{version}"


def _html(message: EmailMultiAlternatives) -> str:
    [(html, _mimetype)] = message.alternatives
    return str(html)


@pytest.mark.parametrize(
    ("version", "role"),
    [(version, role) for version in range(1, CURRENT_VERSION + 1) for role in ROLES],
    ids=lambda value: f"v{value}" if isinstance(value, int) else str(value),
)
def test_a_stored_example_reads_in_the_page_and_both_emails(
    client: Client, people: dict[str, User], version: int, role: str
) -> None:
    stored = json.loads(_example(version, role).read_text())
    person = people[role]
    digest = Digest.objects.create(
        user=person,
        week=date.fromisoformat(stored["week"]),
        role=stored["role"],
        content=stored["content"],
        content_version=stored["version"],
        built_at=datetime.fromisoformat(stored["built_at"]),
    )
    client.force_login(person)

    page = client.get(reverse("digest_detail", args=[digest.week.isoformat()]))
    email = digest_message(digest, recipient=person)

    assert page.status_code == 200
    readings = {"page": page.content.decode(), "text": str(email.body), "html": _html(email)}
    for figure in SHOWS[(version, role)]:
        for where, text in readings.items():
            assert figure in text, f"{figure!r} is missing from the {where} of v{version} {role}"


def test_older_content_is_upgraded_step_by_step_and_newer_is_refused(monkeypatch) -> None:
    """The upgrade path itself, with a made-up version 2 that renames a team section and tells
    each role's part which role it is."""
    renamed = Upgrade(
        team=lambda team: {"pipeline": team["queue"]},
        me=lambda me, role: {**me, "role": role},
    )
    monkeypatch.setattr(content, "CURRENT_VERSION", 2)
    monkeypatch.setattr(content, "UPGRADES", {2: renamed})
    old = {"team": {"queue": {"count": 3}}, "me": {"stuck": {"count": 1}}}

    assert current_digest(old, version=1, role="sales") == {
        "team": {"pipeline": {"count": 3}},
        "me": {"stuck": {"count": 1}, "role": "sales"},
    }
    assert current_digest(old, version=2, role="sales") == old
    with pytest.raises(UnknownVersion):
        current_digest(old, version=3, role="sales")
    with pytest.raises(UnknownVersion):
        current_digest(old, version=0, role="sales")


def test_a_spanish_reader_sees_stage_and_reason_names_in_spanish(
    client: Client, people: dict[str, User]
) -> None:
    stored = json.loads(_example(2, DigestRole.MANAGER).read_text())
    person = people[DigestRole.MANAGER]
    person.language = "es"
    person.save()
    digest = Digest.objects.create(
        user=person,
        week=date.fromisoformat(stored["week"]),
        role=stored["role"],
        content=stored["content"],
        content_version=stored["version"],
        built_at=datetime.fromisoformat(stored["built_at"]),
    )
    client.force_login(person)

    with translation.override("en"):  # the request activates Spanish in this thread
        page = client.get(reverse("digest_detail", args=[digest.week.isoformat()]))
    email = digest_message(digest, recipient=person)

    for text in (page.content.decode(), str(email.body), _html(email)):
        assert "Nuevo" in text  # the stage New, where a lead is stuck
        assert "Sin presupuesto" in text  # why a lead came back
        assert "Precio demasiado alto" in text  # why a deal was lost
