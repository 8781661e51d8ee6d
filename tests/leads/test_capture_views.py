"""The website form pages: managers set forms up, marketers read them, Sales does not see them."""

import pytest
from django.test import Client
from django.urls import reverse

from leads.activities import add_activity
from leads.models import ActivityKind, CaptureForm, Source
from tests.factories import CaptureFormFactory, LeadFactory

pytestmark = pytest.mark.django_db

NEW_FORM = {
    "name": "Contact us",
    "source": Source.WEBSITE,
    "campaign": "Spring launch",
    "persona": "",
    "owner": "",
    "allowed_origins": "https://WWW.Example.com/\n\nhttps://shop.example.com:443\nhttp://localhost:8080",
    "per_minute": "60",
    "per_address_per_minute": "5",
    "enabled": "on",
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_creates_a_form_with_a_key_and_normalised_origins(manager) -> None:
    response = logged_in(manager).post(reverse("capture_form_create"), NEW_FORM)

    form = CaptureForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("capture_form_detail", args=[form.pk])
    assert form.allowed_origins == [
        "https://www.example.com",
        "https://shop.example.com",
        "http://localhost:8080",
    ]
    assert len(form.public_key) >= 24
    assert form.enabled


def test_keys_are_unguessable_and_differ(manager) -> None:
    first, second = CaptureFormFactory.create(), CaptureFormFactory.create()

    assert first.public_key != second.public_key


@pytest.mark.parametrize(
    ("origins", "error"),
    [
        ("", "Give at least one website the form is on."),
        ("www.example.com", "“www.example.com” is not an origin."),
        ("https://www.example.com/contact", "is not an origin"),
        ("ftp://files.example.com", "is not an origin"),
        ("https://user@www.example.com", "is not an origin"),
        ("https://www.example.com:99999", "is not an origin"),
    ],
)
def test_a_bad_origin_is_explained_and_nothing_is_saved(manager, origins: str, error: str) -> None:
    response = logged_in(manager).post(
        reverse("capture_form_create"), NEW_FORM | {"allowed_origins": origins}
    )

    assert response.status_code == 400
    assert error in response.text
    assert not CaptureForm.objects.exists()


def test_limits_must_be_positive(manager) -> None:
    response = logged_in(manager).post(
        reverse("capture_form_create"), NEW_FORM | {"per_minute": "0"}
    )

    assert "Ensure this value is greater than or equal to 1." in response.text
    assert not CaptureForm.objects.exists()


def test_a_manager_disables_a_form_and_it_stops_accepting(manager) -> None:
    form = CaptureFormFactory.create(name="Contact us")
    data = NEW_FORM | {"allowed_origins": "https://www.example.com"}
    del data["enabled"]

    response = logged_in(manager).post(reverse("capture_form_edit", args=[form.pk]), data)

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.enabled is False
    page = logged_in(manager).get(reverse("capture_form_detail", args=[form.pk]))
    assert "Disabled: submissions are refused" in page.text
    posted = Client().post(
        reverse("capture", args=[form.public_key]), {"full_name": "A", "email": "a@example.com"}
    )
    assert posted.status_code == 404


def test_the_page_shows_the_snippet_to_copy(marketer, settings) -> None:
    settings.SITE_URL = "https://crm.example.com"
    form = CaptureFormFactory.create(allowed_origins=["https://www.example.com"])

    response = logged_in(marketer).get(reverse("capture_form_detail", args=[form.pk]))

    endpoint = f"https://crm.example.com/capture/{form.public_key}"
    assert response.status_code == 200
    snippet = response.context["snippets"]
    assert f'<form action="{endpoint}" method="post"' in snippet.html
    assert 'name="website" tabindex="-1"' in snippet.html
    assert 'value="https://www.example.com/thank-you"' in snippet.html
    assert snippet.fetch.startswith(snippet.html)
    assert "fetch(event.target.action" in snippet.fetch
    # Shown as text to copy, never as live markup on our page.
    assert f"&lt;form action=&quot;{endpoint}&quot;" in response.text
    assert "Edit or disable" not in response.text, "marketers read, managers change"


def test_the_page_lists_the_latest_captures(manager) -> None:
    form = CaptureFormFactory.create()
    lead = LeadFactory.create(full_name="Grace Hopper")
    form.captures.create(lead=lead, created_lead=True)

    response = logged_in(manager).get(reverse("capture_form_detail", args=[form.pk]))

    assert "Grace Hopper" in response.text
    assert "New lead" in response.text


@pytest.mark.parametrize("name", ["capture_form_create", "capture_form_edit"])
def test_marketers_and_sales_may_not_change_forms(marketer, sales_rep, name: str) -> None:
    form = CaptureFormFactory.create(name="Contact us")
    args = [form.pk] if name == "capture_form_edit" else []

    for user in (marketer, sales_rep):
        response = logged_in(user).post(reverse(name, args=args), NEW_FORM | {"name": "Hacked"})
        assert response.status_code == 403
        assert "Only managers set up website forms." in response.text
    assert list(CaptureForm.objects.values_list("name", flat=True)) == ["Contact us"]


@pytest.mark.parametrize("name", ["capture_form_list", "capture_form_detail"])
def test_sales_does_not_see_the_forms(sales_rep, name: str) -> None:
    form = CaptureFormFactory.create()
    args = [form.pk] if name == "capture_form_detail" else []

    response = logged_in(sales_rep).get(reverse(name, args=args))

    assert response.status_code == 403
    assert form.public_key not in response.text


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_takes_the_same_queries_for_5_and_50_forms(
    manager, rows: int, django_assert_num_queries
) -> None:
    forms = CaptureFormFactory.create_batch(rows)
    lead = LeadFactory.create()
    for form in forms:
        form.captures.create(lead=lead, created_lead=False)
    client = logged_in(manager)

    # session, user, roles, unread mentions; the forms with their capture counts;
    # the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(8):
        response = client.get(reverse("capture_form_list"))

    assert response.status_code == 200
    assert response.text.count("capture-forms/") >= rows
    assert "New website form" in response.text


def test_a_capture_appears_in_the_owners_mentions(marketer) -> None:
    form = CaptureFormFactory.create(owner=marketer)
    Client().post(
        reverse("capture", args=[form.public_key]),
        {"full_name": "Grace Hopper", "email": "grace@navy.example"},
    )
    add_activity(
        lead=LeadFactory.create(), kind=ActivityKind.NOTE, body="hi @marketer", author=marketer
    )

    response = logged_in(marketer).get(reverse("mentions"))

    assert "Your website form captured" in response.text
    assert "Grace Hopper" in response.text


def test_only_marketers_may_own_a_forms_leads(manager, sales_rep, maria) -> None:
    refused = logged_in(manager).post(
        reverse("capture_form_create"), NEW_FORM | {"owner": str(sales_rep.pk)}
    )
    accepted = logged_in(manager).post(
        reverse("capture_form_create"), NEW_FORM | {"name": "Demo", "owner": str(maria.pk)}
    )

    assert "Select a valid choice." in refused.text
    assert accepted.status_code == 302
    assert CaptureForm.objects.get().owner == maria


@pytest.mark.parametrize(
    ("site_url", "opened_at", "warned"),
    [
        ("http://localhost:8000", "http://localhost:8201", True),
        ("http://localhost:8201", "http://localhost:8201", False),
        ("https://crm.example.com/", "https://CRM.example.com:443", False),
        ("https://crm.example.com", "http://crm.example.com", True),
        ("http://localhost:8201", "http://127.0.0.1:8201", True),
    ],
)
def test_the_page_warns_when_site_url_is_not_where_it_was_opened(
    marketer, settings, site_url: str, opened_at: str, warned: bool
) -> None:
    settings.SITE_URL = site_url
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "crm.example.com"]
    form = CaptureFormFactory.create()
    scheme, host = opened_at.split("://")

    response = logged_in(marketer).get(
        reverse("capture_form_detail", args=[form.pk]),
        headers={"host": host},
        secure=scheme == "https",
    )

    assert response.status_code == 200
    warning = (
        f"use <code>{site_url.rstrip('/')}</code> (the SITE_URL setting), but you opened this "
        f"page at <code>{opened_at}</code>"
    )
    assert (warning in response.text) is warned
    assert ("set SITE_URL to the address people and websites reach" in response.text) is warned
