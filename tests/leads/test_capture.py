"""The public capture endpoint: what a website's visitor sends becomes one lead per email."""

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from funnel.models import StageChange
from leads.models import Activity, ActivityKind, Capture, CaptureForm, Lead, Mention
from leads.tasks import send_mention_email
from tests.factories import CaptureFormFactory, LeadFactory, PersonaFactory

ORIGIN = "https://www.example.com"
VISITOR = {
    "full_name": "Grace Hopper",
    "email": "grace@navy.example",
    "company": "US Navy",
    "message": "We need a compiler.",
}

pytestmark = pytest.mark.django_db


def post_json(form: CaptureForm | str, data: Any, **headers: str) -> Any:
    key = form if isinstance(form, str) else form.public_key
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return Client().post(
        reverse("capture", args=[key]),
        body,
        content_type="application/json",
        headers={"Origin": ORIGIN, **headers},
    )


def post_form(form: CaptureForm | str, data: dict[str, str], **headers: str) -> Any:
    key = form if isinstance(form, str) else form.public_key
    return Client().post(
        reverse("capture", args=[key]), data, headers={"Origin": ORIGIN, **headers}
    )


def captures_of(lead: Lead) -> list[str]:
    activities = lead.activities.filter(kind=ActivityKind.CAPTURE).order_by("created_at", "id")
    return [activity.text for activity in activities]


def test_a_new_email_becomes_a_lead_in_the_first_stage_with_the_forms_details(
    marketer,
) -> None:
    persona = PersonaFactory.create(name="Engineering lead")
    form = CaptureFormFactory.create(
        name="Contact us", campaign="Spring launch", persona=persona, owner=marketer
    )

    response = post_json(form, VISITOR)

    assert response.status_code == 200
    assert response.json()["code"] == "received"
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    lead = Lead.objects.get()
    assert (lead.full_name, lead.email, lead.company) == (
        "Grace Hopper",
        "grace@navy.example",
        "US Navy",
    )
    assert (lead.stage.slug, lead.source, lead.campaign) == ("new", "website", "Spring launch")
    assert lead.persona == persona
    assert lead.marketing_owner == marketer
    assert lead.sales_owner is None
    assert StageChange.objects.get(lead=lead).actor is None
    [body] = captures_of(lead)
    assert body.startswith("Captured from the website form “Contact us”.")
    assert body.endswith("Message:\nWe need a compiler.")
    assert Capture.objects.get(form=form).created_lead is True


def test_without_an_owner_the_lead_has_no_marketing_owner_and_nobody_is_mentioned() -> None:
    post_json(CaptureFormFactory.create(owner=None), VISITOR)

    assert Lead.objects.get().marketing_owner is None
    assert not Mention.objects.exists()


def test_the_same_email_twice_is_one_lead_with_two_timeline_entries() -> None:
    form = CaptureFormFactory.create(name="Contact us")
    post_json(form, {"full_name": "Grace Hopper", "email": "grace@navy.example"})

    response = post_json(
        form,
        {"full_name": "G. Hopper", "email": "  GRACE@Navy.Example ", "company": "US Navy"},
    )

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.full_name == "Grace Hopper", "known details are kept"
    assert lead.company == "US Navy", "missing details are filled in"
    first, second = captures_of(lead)
    assert first.startswith("Captured from the website form “Contact us”.")
    assert second.splitlines() == [
        "Captured again from the website form “Contact us”.",
        "Added: company: US Navy.",
        "Also given, not applied: name: G. Hopper.",
    ]
    assert [c.created_lead for c in Capture.objects.order_by("id")] == [True, False]


def test_a_known_lead_in_a_sales_stage_is_merged_too(sam) -> None:
    lead = LeadFactory.create(email="grace@navy.example", company="", sales_owner=sam)
    lead.stage = lead.stage.__class__.objects.get(slug="sql")
    lead.save()

    response = post_json(CaptureFormFactory.create(), VISITOR)

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.stage.slug, lead.sales_owner, lead.company) == ("sql", sam, "US Navy")
    assert Lead.objects.count() == 1


def test_fields_a_visitor_may_not_set_are_ignored(sam, marketer) -> None:
    form = CaptureFormFactory.create(campaign="Spring launch")

    response = post_json(
        form,
        VISITOR
        | {
            "stage": "won",
            "stage_id": 6,
            "marketing_owner": marketer.pk,
            "sales_owner": sam.pk,
            "created_at": "2001-01-01T00:00:00Z",
            "source": "partner",
            "campaign": "Free money",
            "expected_value": "1000000",
            "id": 1,
        },
    )

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.stage.slug == "new"
    assert (lead.marketing_owner, lead.sales_owner) == (None, None)
    assert lead.created_at.year > 2001
    assert (lead.source, lead.campaign, lead.expected_value) == ("website", "Spring launch", 0)


def test_an_unknown_key_changes_nothing() -> None:
    response = post_json("no-such-key", VISITOR)

    assert response.status_code == 404
    assert response.json() == {
        "code": "unknown_form",
        "message": "This form does not accept submissions.",
    }
    assert not Lead.objects.exists()
    assert not Activity.objects.exists()


def test_a_disabled_key_answers_exactly_like_an_unknown_one() -> None:
    disabled = CaptureFormFactory.create(enabled=False)

    for post in (post_json, post_form):
        unknown = post("no-such-key", VISITOR)
        refused = post(disabled, VISITOR)
        assert refused.status_code == unknown.status_code == 404
        assert refused.content == unknown.content
        assert refused.headers == unknown.headers
    assert not Lead.objects.exists()


def test_a_filled_honeypot_gets_the_same_thanks_and_saves_nothing() -> None:
    form = CaptureFormFactory.create()
    real = post_json(form, VISITOR | {"email": "real@example.com"})

    bot = post_json(form, VISITOR | {"website": "http://spam.example"})

    assert bot.status_code == real.status_code == 200
    assert bot.content == real.content
    assert list(Lead.objects.values_list("email", flat=True)) == ["real@example.com"]


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"a string"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(body: str | bytes) -> None:
    response = post_json(CaptureFormFactory.create(), body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not Lead.objects.exists()


def test_bad_fields_get_a_400_with_each_fields_errors_and_nothing_is_saved() -> None:
    response = post_json(
        CaptureFormFactory.create(),
        {"full_name": "", "email": "not-an-email", "company": "x" * 151, "phone": ["a", 1]},
    )

    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid"
    assert answer["errors"] == {
        "full_name": ["This field is required."],
        "email": ["Enter a valid email address."],
        "company": ["Ensure this value has at most 150 characters (it has 151)."],
        "phone": ["Enter text."],
    }
    assert not Lead.objects.exists()
    assert not Capture.objects.exists()


def test_a_form_post_goes_to_the_thank_you_page_on_an_allowed_origin() -> None:
    form = CaptureFormFactory.create()

    response = post_form(form, VISITOR | {"next": f"{ORIGIN}/thanks?from=form"})

    assert response.status_code == 303
    assert response["Location"] == f"{ORIGIN}/thanks?from=form"
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/phish", "//evil.example", "/thanks", "javascript:alert(1)", ""],
)
def test_a_form_post_never_redirects_elsewhere(next_url: str) -> None:
    response = post_form(CaptureFormFactory.create(), VISITOR | {"next": next_url})

    assert response.status_code == 200
    assert "Thank you! We will be in touch soon." in response.text
    assert Lead.objects.count() == 1


def test_a_bad_form_post_shows_the_form_again_with_what_was_typed() -> None:
    response = post_form(
        CaptureFormFactory.create(),
        {"full_name": "Grace <b>Hopper</b>", "email": "grace@", "next": f"{ORIGIN}/thanks"},
    )

    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert 'value="Grace &lt;b&gt;Hopper&lt;/b&gt;"' in response.text
    assert f'name="next" value="{ORIGIN}/thanks"' in response.text
    assert not Lead.objects.exists()


def test_the_form_shown_again_may_be_posted_from_the_products_own_origin() -> None:
    response = post_form(CaptureFormFactory.create(), VISITOR, Origin="http://testserver")

    assert response.status_code == 200
    assert Lead.objects.count() == 1


def test_a_preflight_from_an_allowed_origin_is_answered() -> None:
    form = CaptureFormFactory.create(allowed_origins=["https://www.example.com:8443"])

    response = Client().options(
        reverse("capture", args=[form.public_key]),
        headers={
            "Origin": "HTTPS://www.example.com:8443",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "HTTPS://www.example.com:8443"
    assert response["Access-Control-Allow-Methods"] == "POST"
    assert response["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"]


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://www.example.com", "https://www.example.com:444", "null"],
)
def test_other_origins_get_no_cors_answer_and_cannot_post(origin: str) -> None:
    form = CaptureFormFactory.create()
    url = reverse("capture", args=[form.public_key])

    preflight = Client().options(url, headers={"Origin": origin})
    posted = post_json(form, VISITOR, Origin=origin)
    form_post = post_form(form, VISITOR, Origin=origin)

    assert preflight.status_code == posted.status_code == form_post.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Origin" not in posted
    assert posted.json()["code"] == "origin_not_allowed"
    assert not Lead.objects.exists()


def test_a_client_without_an_origin_header_may_post() -> None:
    response = Client().post(
        reverse("capture", args=[CaptureFormFactory.create().public_key]),
        json.dumps(VISITOR),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert Lead.objects.count() == 1


@pytest.mark.usefixtures("one_minute")
def test_one_address_above_its_limit_gets_429_with_retry_after() -> None:
    form = CaptureFormFactory.create(per_address_per_minute=2)
    emails = [f"visitor{n}@example.com" for n in range(3)]

    answers = [post_json(form, VISITOR | {"email": email}) for email in emails]
    other_address = Client(REMOTE_ADDR="203.0.113.9").post(
        reverse("capture", args=[form.public_key]),
        json.dumps(VISITOR | {"email": "other@example.com"}),
        content_type="application/json",
    )

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "rate_limited"
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert answers[2]["Access-Control-Allow-Origin"] == ORIGIN, "the page may read the refusal"
    assert other_address.status_code == 200
    assert set(Lead.objects.values_list("email", flat=True)) == {
        "visitor0@example.com",
        "visitor1@example.com",
        "other@example.com",
    }


@pytest.mark.usefixtures("one_minute")
def test_one_address_refused_by_its_limit_does_not_close_the_form_to_others() -> None:
    form = CaptureFormFactory.create(per_address_per_minute=2, per_minute=5)

    hammering = [post_json(form, VISITOR | {"email": f"bot{n}@example.com"}) for n in range(40)]
    others = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            reverse("capture", args=[form.public_key]),
            json.dumps(VISITOR | {"email": f"person{n}@example.com"}),
            content_type="application/json",
        )
        for n in range(3)
    ]

    assert [answer.status_code for answer in hammering] == [200, 200] + [429] * 38
    assert [answer.status_code for answer in others] == [200, 200, 200]
    assert Lead.objects.count() == 5


@pytest.mark.usefixtures("one_minute")
def test_the_address_behind_a_trusted_proxy_is_the_one_counted(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    form = CaptureFormFactory.create(per_address_per_minute=1)

    def post(address: str, email: str) -> int:
        response = Client(REMOTE_ADDR="10.0.0.1").post(
            reverse("capture", args=[form.public_key]),
            json.dumps(VISITOR | {"email": email}),
            content_type="application/json",
            headers={"X-Forwarded-For": f"6.6.6.6, {address}"},
        )
        return response.status_code

    assert [post("198.51.100.1", "a@example.com"), post("198.51.100.2", "b@example.com")] == [
        200,
        200,
    ]
    assert post("198.51.100.1", "c@example.com") == 429


def test_the_owner_is_told_after_the_commit(marketer, django_capture_on_commit_callbacks) -> None:
    form = CaptureFormFactory.create(name="Contact us", owner=marketer)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_json(form, VISITOR)

    mention = Mention.objects.get()
    assert mention.user == marketer
    assert mention.activity.kind == ActivityKind.CAPTURE
    assert mail.outbox == [], "the visitor's answer does not wait for email"
    assert len(callbacks) == 1
    assert send_mention_email(mention.pk) is True
    [email] = mail.outbox
    assert email.to == [marketer.email]
    assert email.subject == "Grace Hopper came in through your website form"
    assert "Captured from the website form “Contact us”." in email.body


@pytest.mark.parametrize("key", ["abc\x00def", "\x00", "a" * 41, "key with spaces", "ключ"])
def test_a_key_that_cannot_be_ours_is_an_unknown_form(key: str) -> None:
    response = Client().post(
        f"/capture/{quote(key)}",
        json.dumps(VISITOR),
        content_type="application/json",
        headers={"Origin": ORIGIN},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_form"


def test_json_nested_too_deep_is_a_400_and_saves_nothing() -> None:
    response = post_json(CaptureFormFactory.create(), "[" * 100_000 + "]" * 100_000)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not Lead.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "email", "company", "message", "phone"])
def test_half_a_character_in_any_field_is_refused_and_saves_nothing(field: str) -> None:
    # A lone surrogate: valid in JSON's \\u escapes, impossible in UTF-8 and in PostgreSQL.
    body = json.dumps(VISITOR | {field: "Ada \ud800"})

    response = post_json(CaptureFormFactory.create(), body)

    assert response.status_code == 400
    assert response.json()["errors"][field] == ["Enter text."]
    assert not Lead.objects.exists()


def test_a_line_break_in_a_visitor_s_name_is_kept_on_one_line() -> None:
    response = post_json(CaptureFormFactory.create(), VISITOR | {"full_name": "Ada\nLovelace"})

    assert response.status_code == 200
    assert Lead.objects.get().full_name == "Ada Lovelace"
