"""Every form page answers a form sent back with its errors the same way: 400, the form shown
again with what to correct, nothing saved.

400 rather than 422: it is what the move, token and digest preview forms already answered, it
says "your request, as sent, cannot be done" without WebDAV's nuance, and htmx is configured
(templates/base.html) to show a 400's body like a 200's."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from funnel.models import RevenueGoal, Stage
from leads.models import Activity, CaptureForm, Lead, Persona
from tests.factories import LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db


def _state() -> list[object]:
    """What a refused form must leave as it was."""
    return [
        list(Lead.objects.values().order_by("pk")),
        Activity.objects.count(),
        list(Persona.objects.values().order_by("pk")),
        list(CaptureForm.objects.values().order_by("pk")),
        RevenueGoal.objects.count(),
        ApiToken.objects.count(),
        list(User.objects.values("pk", "password", "language").order_by("pk")),
    ]


def _pages(lead: Lead, persona: Persona, capture_form: CaptureForm) -> list[tuple[str, dict]]:
    working = Stage.objects.get(slug="working")
    return [
        (reverse("login"), {"username": "manager", "password": "wrong"}),
        (
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
        ),
        (reverse("preferences"), {"language": "xx"}),
        (reverse("api_token_create"), {"name": "", "lifetime_days": "90"}),
        (reverse("lead_create"), {"full_name": "Ada", "email": "nope", "source": "event"}),
        (reverse("lead_edit", args=[lead.pk]), {"full_name": "", "email": "nope"}),
        (reverse("lead_add_activity", args=[lead.pk]), {"kind": "note", "body": ""}),
        (reverse("lead_move", args=[lead.pk]), {"to_stage": str(working.pk), "reason": ""}),
        (reverse("lead_reassign", args=[lead.pk]), {"marketing_owner": "999999"}),
        (
            reverse("lead_merge", args=[lead.pk]),
            {"other": str(LeadFactory.create(email="twin@example.org").pk), "keep": "nope"},
        ),
        (reverse("persona_create"), {"name": ""}),
        (reverse("persona_edit", args=[persona.pk]), {"name": ""}),
        (reverse("capture_form_create"), {"name": "", "allowed_origins": "nope"}),
        (reverse("capture_form_edit", args=[capture_form.pk]), {"name": ""}),
        (reverse("goal_create"), {"period": "2026-Q4", "amount": "-1"}),
        (reverse("digest_preview"), {"user": ""}),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_form_page_answers_a_refused_form_with_400(
    client: Client, manager: User, marketer: User, htmx: bool
) -> None:
    manager.set_password("right-password-1")
    manager.save()
    # An MQL: sending it back to Marketing asks for a reason.
    lead = LeadFactory.create(marketing_owner=marketer, stage=Stage.objects.get(slug="mql"))
    persona = PersonaFactory.create(name="Ops lead")
    capture_form = CaptureForm.objects.create(
        name="Newsletter", allowed_origins=["https://www.example.com"]
    )
    pages = _pages(lead, persona, capture_form)
    headers = {"HX-Request": "true"} if htmx else {}
    before = _state()

    statuses = {}
    for path, data in pages:
        if path != reverse("login"):
            client.force_login(manager)
        else:
            client.logout()
        statuses[path] = client.post(path, data, headers=headers).status_code

    assert statuses == {path: 400 for path, _data in pages}
    assert _state() == before


def test_a_form_shown_the_first_time_is_a_200(client: Client, manager: User) -> None:
    client.force_login(manager)
    shown: Callable[[str], int] = lambda name: client.get(reverse(name)).status_code  # noqa: E731

    assert [shown(name) for name in ("lead_create", "persona_create", "preferences")] == [200] * 3
