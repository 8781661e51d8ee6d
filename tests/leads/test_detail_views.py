"""The lead page, its timeline, adding to it, and editing the details."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from funnel.models import Stage
from leads.models import Activity, ActivityKind, Lead, Mention
from leads.templatetags.lead_text import with_mentions
from tests.factories import LeadFactory, UserFactory, complete_lead
from tests.leads.test_timeline import record_move, walk_to

pytestmark = pytest.mark.django_db

HOSTILE_NOTES = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<img src=x onerror="alert(1)">',
]


@pytest.fixture
def lead(marketer: User) -> Lead:
    return complete_lead(marketing_owner=marketer)


def url(name: str, lead: Lead) -> str:
    return reverse(name, args=[lead.pk])


def test_the_page_shows_details_people_stage_and_timeline(
    client: Client, marketer: User, lead: Lead
) -> None:
    lead.stage_entered_at = lead.created_at = timezone.now() - timedelta(days=1, hours=2)
    lead.save()
    client.force_login(marketer)

    response = client.get(url("lead_detail", lead))

    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        "<h1>Ada Lovelace</h1>",
        "Head of Engineering at Analytical Engines",
        'class="stage-badge team-marketing outcome-open"',
        "in stage for 1\xa0day, 2\xa0hours",
        "Maria",  # the marketing owner
        "Not claimed yet",
        "Engineering lead",
        'href="mailto:ada@engines.example"',
        'href="tel:+442079460000"',
        "United Kingdom",
        "Event",
        "Spring summit",
        "12,500.00",
        "added it to the funnel in New",
    ]:
        assert text in body, text
    assert "Past this stage" not in body


def test_a_lead_past_its_stage_s_time_limit_says_so(
    client: Client, marketer: User, lead: Lead
) -> None:
    lead.stage_entered_at = lead.created_at = timezone.now() - timedelta(hours=49)
    lead.save()
    client.force_login(marketer)

    body = client.get(url("lead_detail", lead)).content.decode()

    assert "Past this stage's limit of 48 hours" in body


def test_the_persona_links_to_its_page_when_personas_have_pages(
    client: Client, marketer: User, lead: Lead
) -> None:
    client.force_login(marketer)
    assert lead.persona is not None

    body = client.get(url("lead_detail", lead)).content.decode()

    try:
        persona_url = reverse("persona_detail", args=[lead.persona.pk])
    except NoReverseMatch:
        assert "Engineering lead</p>" in body
    else:
        assert f'<a href="{persona_url}">Engineering lead</a>' in body


def test_an_unknown_lead_is_not_found(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    assert client.get(reverse("lead_detail", args=[999_999])).status_code == 404
    assert client.get(reverse("lead_edit", args=[999_999])).status_code == 404


def test_the_edit_button_shows_only_to_who_may_edit(
    client: Client, marketer: User, sales_rep: User, lead: Lead
) -> None:
    walk_to(lead, "sql", actor=UserFactory.create(username="owner"))
    client.force_login(sales_rep)
    assert "Edit details" not in client.get(url("lead_detail", lead)).content.decode()

    client.force_login(marketer)
    assert "Edit details" not in client.get(url("lead_detail", lead)).content.decode()

    lead.refresh_from_db()
    assert lead.sales_owner is not None
    client.force_login(lead.sales_owner)
    assert "Edit details" in client.get(url("lead_detail", lead)).content.decode()


# Both timelines end with the lead in Working (6 entries: the moves go to Working, New, Working;
# 50: ... New, Working), so the page offers the same moves and only the timeline grows.
@pytest.mark.parametrize("entries", [6, 50])
def test_the_lead_page_s_query_count_does_not_grow_with_its_timeline(
    client: Client,
    marketer: User,
    sales_rep: User,
    lead: Lead,
    django_assert_num_queries,
    entries: int,
) -> None:
    for number in range(entries):
        at = lead.created_at + timedelta(minutes=number + 1)
        if number % 2:
            record_move(lead, "working" if number % 4 == 1 else "new", actor=marketer, at=at)
        else:
            activity = Activity.objects.create(
                lead=lead,
                kind=ActivityKind.CALL,
                body=f"@rep call {number}",
                author=marketer,
                created_at=at,
            )
            Mention.objects.create(activity=activity, user=sales_rep)
    client.force_login(marketer)

    # session, user, roles, the menu's count of unread mentions; the lead with its stage,
    # persona and owners; activities, their mentions, stage changes; the moves offered from
    # Working and the reasons of its move to Lost; the idle-timeout session save (savepoint,
    # update, release)
    with django_assert_num_queries(13):
        response = client.get(url("lead_detail", lead))
    assert response.status_code == 200
    assert response.content.decode().count('class="entry ') == min(entries + 1, 30)


def test_show_older_gives_htmx_the_next_entries_and_others_the_page(
    client: Client, marketer: User, lead: Lead
) -> None:
    for number in range(40):
        Activity.objects.create(
            lead=lead,
            kind=ActivityKind.NOTE,
            body=f"note {number}",
            author=marketer,
            created_at=lead.created_at + timedelta(minutes=number + 1),
        )
    client.force_login(marketer)

    first = client.get(url("lead_detail", lead)).content.decode()
    older_link = re.search(r'hx-get="([^"]+)"', first)
    assert older_link is not None
    older = client.get(older_link.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    plain = client.get(older_link.group(1).replace("&amp;", "&"))

    assert "note 39" in first
    assert "note 10" in first
    assert "note 9<" not in first
    body = older.content.decode()
    assert "<html" not in body
    assert "note 9<" in body
    assert "note 0<" in body
    assert "added it to the funnel" in body
    assert "Show older entries" not in body
    assert plain.status_code == 302
    assert plain["Location"].startswith(url("lead_detail", lead) + "?before=")
    from_there = client.get(plain["Location"]).content.decode()
    assert "Showing older entries." in from_there
    assert "note 9<" in from_there
    assert "note 10<" not in from_there


def test_a_mangled_cursor_is_a_bad_request(client: Client, marketer: User, lead: Lead) -> None:
    client.force_login(marketer)

    response = client.get(url("lead_detail", lead), {"before": "not-a-cursor"})

    assert response.status_code == 400


def test_a_note_added_without_javascript_lands_on_top_of_the_timeline(
    client: Client, marketer: User, lead: Lead
) -> None:
    client.force_login(marketer)

    response = client.post(
        url("lead_add_activity", lead), {"kind": "call", "body": "  Called, no answer. "}
    )

    assert response.status_code == 302
    assert response["Location"] == url("lead_detail", lead) + "#timeline"
    activity = Activity.objects.get(lead=lead)
    assert (activity.kind, activity.body, activity.author) == (
        "call",
        "Called, no answer.",
        marketer,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Added to the timeline." in page
    timeline = page.split('id="timeline-entries"')[1]
    assert timeline.index("Maria") < timeline.index("added it to the funnel")
    assert "Called, no answer." in timeline


def test_htmx_gets_the_new_entry_and_a_fresh_form(
    client: Client, sales_rep: User, lead: Lead
) -> None:
    client.force_login(sales_rep)

    response = client.post(
        url("lead_add_activity", lead),
        {"kind": "meeting", "body": "Demo booked for Tuesday."},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    activity = Activity.objects.get(lead=lead)
    assert body.lstrip().startswith(
        f'<li class="entry entry-activity kind-meeting" id="entry-activity-{activity.pk}"'
    )
    assert "logged a meeting" in body
    assert "Demo booked for Tuesday." in body
    assert 'id="activity-form"' in body
    assert 'hx-swap-oob="true"' in body
    assert "Demo booked" not in body.split('id="activity-form"')[1]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "note", "body": "   "}, "body", "Write something before adding it."),
        ({"kind": "details", "body": "Sneaky"}, "kind", "Select a valid choice."),
        ({"kind": "note", "body": "x" * 10_001}, "body", "at most 10000 characters"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_activity_input_gets_a_field_message_and_saves_nothing(
    client: Client,
    marketer: User,
    lead: Lead,
    data: dict[str, str],
    field: str,
    message: str,
    htmx: bool,
) -> None:
    client.force_login(marketer)
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(url("lead_add_activity", lead), data, headers=headers)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    if htmx:
        assert response["HX-Retarget"] == "#activity-form"
        assert response["HX-Reswap"] == "outerHTML"
    assert not Activity.objects.exists()


def test_someone_without_a_team_reads_the_lead_but_cannot_write_on_it(
    client: Client, lead: Lead
) -> None:
    outsider = UserFactory.create(username="outsider")
    client.force_login(outsider)

    page = client.get(url("lead_detail", lead))
    post = client.post(url("lead_add_activity", lead), {"kind": "note", "body": "hello"})

    assert page.status_code == 200
    assert 'id="activity-form"' not in page.content.decode()
    assert post.status_code == 403
    assert (
        "Only members of Marketing, Sales or the managers write on leads." in post.content.decode()
    )
    assert not Activity.objects.exists()


def test_the_activity_route_takes_posts_only(client: Client, marketer: User, lead: Lead) -> None:
    client.force_login(marketer)

    assert client.get(url("lead_add_activity", lead)).status_code == 405


@pytest.mark.parametrize("hostile", HOSTILE_NOTES)
def test_user_text_is_shown_as_text(
    client: Client, marketer: User, lead: Lead, hostile: str
) -> None:
    lead.full_name = hostile
    lead.company = hostile
    lead.save()
    client.force_login(marketer)
    client.post(url("lead_add_activity", lead), {"kind": "note", "body": f"@rep {hostile}"})
    htmx = client.post(
        url("lead_add_activity", lead),
        {"kind": "note", "body": hostile},
        headers={"HX-Request": "true"},
    ).content.decode()

    page = client.get(url("lead_detail", lead)).content.decode()

    for body in (page, htmx):
        assert "<script>alert" not in body
        assert 'href="javascript:' not in body
        assert "<img src=x" not in body
    assert page.count("alert(1)") >= 3  # the name, the company, the note: as text


@pytest.mark.parametrize(
    ("text", "usernames", "html"),
    [
        ("@sam please call", {"sam"}, '<strong class="at-mention">@sam</strong> please call'),
        ("@SAM please", {"sam"}, '<strong class="at-mention">@SAM</strong> please'),
        ("@nobody there", {"sam"}, "@nobody there"),
        ("mail sam@acme.com", {"sam"}, "mail sam@acme.com"),
        (
            "<b>@sam</b> & co",
            {"sam"},
            '&lt;b&gt;<strong class="at-mention">@sam</strong>&lt;/b&gt; &amp; co',
        ),
        (
            '@sam"><script>alert(1)</script>',
            {"sam"},
            '<strong class="at-mention">@sam</strong>&quot;&gt;'
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
        ("[x](javascript:alert(1))", set(), "[x](javascript:alert(1))"),
        ("a\nb", set(), "a\nb"),
    ],
)
def test_the_mention_filter_escapes_everything_and_bolds_only_mentions(
    text: str, usernames: set[str], html: str
) -> None:
    assert with_mentions(text, usernames) == html


def test_a_note_keeps_its_line_breaks_and_bolds_its_mentions(
    client: Client, marketer: User, sales_rep: User, lead: Lead
) -> None:
    client.force_login(marketer)
    client.post(url("lead_add_activity", lead), {"kind": "note", "body": "@rep call <them>\nsoon"})

    page = client.get(url("lead_detail", lead)).content.decode()

    assert '<strong class="at-mention">@rep</strong> call &lt;them&gt;<br>soon' in page


# Editing the details


def edit_data(lead: Lead, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "full_name": lead.full_name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "job_title": lead.job_title,
        "country": lead.country,
        "source": lead.source,
        "campaign": lead.campaign,
        "persona": lead.persona_id or "",
        "expected_value": lead.expected_value,
        "expected_close_date": lead.expected_close_date or "",
    }
    return data | changes


def test_editing_the_details_saves_them_and_says_so_on_the_timeline(
    client: Client, marketer: User, lead: Lead
) -> None:
    client.force_login(marketer)
    assert client.get(url("lead_edit", lead)).status_code == 200

    response = client.post(
        url("lead_edit", lead), edit_data(lead, company="Difference Engines", expected_value="900")
    )

    assert response.status_code == 302
    assert response["Location"] == url("lead_detail", lead)
    lead.refresh_from_db()
    assert lead.company == "Difference Engines"
    assert lead.expected_value == Decimal("900")
    page = client.get(response["Location"]).content.decode()
    assert "The details of Ada Lovelace were saved." in page
    assert "changed the details" in page
    assert "Changed company, expected value." in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"expected_value": "-1"}, "expected_value"),
        ({"persona": "999999"}, "persona"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"full_name": ""}, "full_name"),
        ({"source": "carrier-pigeon"}, "source"),
    ],
)
def test_bad_details_get_field_messages_and_save_nothing(
    client: Client, marketer: User, lead: Lead, changes: dict[str, str], field: str
) -> None:
    client.force_login(marketer)
    before = Lead.objects.values().get(pk=lead.pk)

    response = client.post(url("lead_edit", lead), edit_data(lead, **changes))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert "<h1>Edit Ada Lovelace</h1>" in body
    assert Lead.objects.values().get(pk=lead.pk) == before
    assert not Activity.objects.exists()


def test_an_email_another_lead_has_is_refused_with_a_link_to_that_lead(
    client: Client, marketer: User, lead: Lead
) -> None:
    other = LeadFactory.create(full_name="Charles <Babbage>", email="charles@engines.example")
    client.force_login(marketer)

    response = client.post(
        url("lead_edit", lead), edit_data(lead, email=" CHARLES@engines.example ")
    )

    assert response.status_code == 400
    body = response.content.decode()
    error = body.split('class="field-error"')[1].split("</p>")[0]
    assert "A lead with the email charles@engines.example already exists." in error
    assert f'<a href="{url("lead_detail", other)}">Open Charles &lt;Babbage&gt;</a>' in error
    lead.refresh_from_db()
    assert lead.email == "ada@engines.example"


def test_a_refused_edit_says_why_and_changes_nothing(
    client: Client, sales_rep: User, lead: Lead
) -> None:
    client.force_login(sales_rep)

    get = client.get(url("lead_edit", lead))
    post = client.post(url("lead_edit", lead), edit_data(lead, company="Hijacked"))

    for response in (get, post):
        assert response.status_code == 403
        body = response.content.decode()
        assert "You cannot edit this lead" in body
        assert "You may not edit this lead in its current stage." in body
        assert 'name="full_name"' not in body
    lead.refresh_from_db()
    assert lead.company == "Analytical Engines"


def test_a_lead_that_moved_on_while_the_form_was_open_is_not_edited(
    client: Client, marketer: User, lead: Lead
) -> None:
    """The page allowed the edit, but by the time of the post the lead is in SQL."""
    client.force_login(marketer)
    assert client.get(url("lead_edit", lead)).status_code == 200
    walk_to(lead, "sql", actor=UserFactory.create(username="owner"))

    response = client.post(url("lead_edit", lead), edit_data(lead, company="Too late"))

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.company == "Analytical Engines"
    assert Stage.objects.get(pk=lead.stage_id).slug == "sql"
