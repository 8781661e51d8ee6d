"""Website forms through the API: managers set them up, change and disable them; marketers read
them with their key, endpoint and snippets; the page's own form decides what is acceptable."""

import pytest
from django.utils import timezone

from accounts.models import User
from leads.capture import capture_lead
from leads.models import CaptureForm
from tests.api.conftest import ClientFor
from tests.factories import CaptureFormFactory, PersonaFactory

pytestmark = pytest.mark.django_db

FORMS = "/api/v1/capture-forms/"
NEW_FORM = {
    "name": "Contact us",
    "campaign": "Spring launch",
    "allowed_origins": ["https://WWW.Example.com/", "http://localhost:8080"],
}


def test_a_manager_sets_up_a_form_with_a_key_and_snippets(
    client_for: ClientFor, manager: User, marketer: User
) -> None:
    persona = PersonaFactory.create()

    created = client_for(manager).post(
        FORMS, {**NEW_FORM, "persona": persona.pk, "owner": marketer.pk}, format="json"
    )

    form = CaptureForm.objects.get()
    body = created.json()
    assert created.status_code == 201
    assert created["Location"] == f"{FORMS}{form.pk}/"
    assert body["public_key"] == form.public_key
    assert body["endpoint"].endswith(f"/capture/{form.public_key}")
    assert body["endpoint"] in body["snippets"]["html"]
    assert body["endpoint"] in body["snippets"]["fetch"]
    assert body["allowed_origins"] == ["https://www.example.com", "http://localhost:8080"]
    assert (body["persona"]["id"], body["owner"]["id"]) == (persona.pk, marketer.pk)
    assert (body["enabled"], body["source"], body["per_minute"]) == (True, "website", 60)
    assert (form.persona, form.owner, form.enabled) == (persona, marketer, True)


def test_a_manager_disables_and_enables_a_form_changing_only_that(
    client_for: ClientFor, manager: User
) -> None:
    form = CaptureFormFactory.create()
    api = client_for(manager)

    disabled = api.patch(f"{FORMS}{form.pk}/", {"enabled": False}, format="json")
    form.refresh_from_db()
    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False
    assert not form.enabled
    assert (form.campaign, form.allowed_origins) == ("Spring launch", ["https://www.example.com"])

    enabled = api.patch(f"{FORMS}{form.pk}/", {"enabled": True}, format="json")
    form.refresh_from_db()
    assert enabled.json()["enabled"] is True
    assert form.enabled


def test_marketers_read_forms_and_sales_does_not(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    form = CaptureFormFactory.create()
    capture_lead(form=form, details={"full_name": "Ada", "email": "ada@example.org"})

    listed = client_for(marketer).get(FORMS)
    one = client_for(marketer).get(f"{FORMS}{form.pk}/")
    by_rep = client_for(sales_rep).get(FORMS)

    assert [row["public_key"] for row in listed.json()] == [form.public_key]
    assert listed.json()[0]["capture_count"] == 1
    assert one.json()["latest_captures"][0]["lead"]["full_name"] == "Ada"
    assert one.json()["latest_captures"][0]["created_lead"] is True
    assert by_rep.status_code == 403
    assert by_rep.json()["code"] == "not_allowed"


def test_a_marketer_may_not_create_or_change_a_form(client_for: ClientFor, marketer: User) -> None:
    form = CaptureFormFactory.create()
    api = client_for(marketer)

    created = api.post(FORMS, NEW_FORM, format="json")
    changed = api.patch(f"{FORMS}{form.pk}/", {"enabled": False}, format="json")

    assert (created.status_code, changed.status_code) == (403, 403)
    assert changed.json()["code"] == "not_allowed"
    assert CaptureForm.objects.get().enabled
    assert CaptureForm.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**NEW_FORM, "allowed_origins": []}, "allowed_origins", "Give at least one website"),
        ({**NEW_FORM, "allowed_origins": ["www.example.com"]}, "allowed_origins", "not an origin"),
        ({**NEW_FORM, "name": ""}, "name", "may not be blank"),
        ({"allowed_origins": ["https://a.example"]}, "name", "required"),
        ({**NEW_FORM, "per_minute": 0}, "per_minute", "greater than or equal to 1"),
        ({**NEW_FORM, "persona": 999999}, "persona", "valid choice"),
        ({**NEW_FORM, "allowed_origins": "https://a.example"}, "allowed_origins", "list"),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(
    client_for: ClientFor, manager: User, body: dict[str, object], field: str, message: str
) -> None:
    response = client_for(manager).post(FORMS, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in " ".join(response.json()["fields"][field])
    assert not CaptureForm.objects.exists()


def test_only_a_marketer_may_own_a_forms_leads(
    client_for: ClientFor, manager: User, sales_rep: User
) -> None:
    response = client_for(manager).post(FORMS, {**NEW_FORM, "owner": sales_rep.pk}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"owner"}
    assert not CaptureForm.objects.exists()


def test_a_name_in_use_is_refused_and_changes_nothing(client_for: ClientFor, manager: User) -> None:
    taken = CaptureFormFactory.create(name="Contact us")
    other = CaptureFormFactory.create(name="Newsletter")

    created = client_for(manager).post(FORMS, NEW_FORM, format="json")
    renamed = client_for(manager).patch(
        f"{FORMS}{other.pk}/", {"name": "Contact us"}, format="json"
    )

    assert (created.status_code, renamed.status_code) == (400, 400)
    assert set(renamed.json()["fields"]) == {"name"}
    assert sorted(CaptureForm.objects.values_list("name", flat=True)) == [
        taken.name,
        "Newsletter",
    ]


def test_read_only_fields_sent_change_nothing(client_for: ClientFor, manager: User) -> None:
    form = CaptureFormFactory.create()
    before = CaptureForm.objects.values().get(pk=form.pk)

    response = client_for(manager).patch(
        f"{FORMS}{form.pk}/",
        {
            "id": form.pk + 1000,
            "public_key": "chosen-by-the-caller",
            "endpoint": "https://evil.example/capture/x",
            "created_at": "2001-01-01T00:00:00Z",
            "capture_count": 99,
            "last_capture_at": timezone.now().isoformat(),
            "snippets": {"html": "<script>"},
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["public_key"] == form.public_key
    assert CaptureForm.objects.values().get(pk=form.pk) == before
    assert CaptureForm.objects.count() == 1


def test_a_new_forms_key_is_never_the_callers(client_for: ClientFor, manager: User) -> None:
    response = client_for(manager).post(
        FORMS,
        {**NEW_FORM, "public_key": "chosen", "created_at": "2001-01-01T00:00:00Z"},
        format="json",
    )

    form = CaptureForm.objects.get()
    assert response.status_code == 201
    assert form.public_key != "chosen"
    assert form.created_at.year != 2001


def test_an_unknown_form_is_not_found(client_for: ClientFor, manager: User) -> None:
    api = client_for(manager)

    assert api.get(f"{FORMS}999999/").status_code == 404
    assert api.patch(f"{FORMS}999999/", {"enabled": False}, format="json").json()["code"] == (
        "not_found"
    )
