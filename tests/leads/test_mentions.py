"""@mentions: written in a note, listed on the mentioned colleague's Mentions page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from leads.models import Activity, ActivityKind, Lead, Mention
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(marketer: User) -> Lead:
    return LeadFactory.create(full_name="Ada Lovelace", marketing_owner=marketer)


def write(client: Client, lead: Lead, body: str) -> None:
    response = client.post(
        reverse("lead_add_activity", args=[lead.pk]), {"kind": "note", "body": body}
    )
    assert response.status_code == 302


def mention_many(lead: Lead, author: User, user: User, count: int) -> list[Mention]:
    start = timezone.now() - timedelta(days=1)
    mentions = []
    for number in range(count):
        at = start + timedelta(minutes=number)
        activity = Activity.objects.create(
            lead=lead,
            kind=ActivityKind.NOTE,
            body=f"@{user.username} number {number}",
            author=author,
            created_at=at,
        )
        mentions.append(Mention.objects.create(activity=activity, user=user, created_at=at))
    return mentions


def test_a_note_mentions_the_colleague_it_names(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    client.force_login(marketer)

    write(client, lead, "@sam please call")

    mention = Mention.objects.get()
    assert mention.user == sam
    assert mention.activity.body == "@sam please call"
    assert mention.seen_at is None


def test_the_author_and_email_addresses_are_never_mentioned(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    client.force_login(marketer)

    write(client, lead, "@marketer wrote to sam@example.com")

    assert not Mention.objects.exists()
    assert Activity.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "@sam and @ghost, call her",
            "Nobody here has the username @ghost, so nobody would be told.",
        ),
        (
            "@ghost @nobody.here @Ghost",
            "Nobody here has the usernames @ghost, @nobody.here, so nobody would be told.",
        ),
    ],
)
def test_a_note_naming_nobody_is_refused_with_the_names_and_writes_nothing(
    client: Client, marketer: User, sam: User, lead: Lead, body: str, message: str
) -> None:
    client.force_login(marketer)
    inactive = UserFactory.create(username="gone", is_active=False)

    response = client.post(
        reverse("lead_add_activity", args=[lead.pk]), {"kind": "note", "body": body}
    )
    again = client.post(
        reverse("lead_add_activity", args=[lead.pk]),
        {"kind": "note", "body": f"@{inactive.username} left"},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nobody here has the username @gone" in again.content.decode()
    assert not Activity.objects.filter(kind=ActivityKind.NOTE).exists()
    assert not Mention.objects.exists()


def test_a_new_lead_whose_note_names_nobody_is_not_saved(client: Client, marketer: User) -> None:
    client.force_login(marketer)
    response = client.post(
        reverse("lead_create"),
        {"full_name": "Ada", "email": "ada@example.com", "source": "event", "note": "@ghost hi"},
    )
    assert response.status_code == 400
    assert "Nobody here has the username @ghost" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_people_a_note_offers_after_an_at_sign(
    client: Client, marketer: User, sam: User, riley: User
) -> None:
    UserFactory.create(username="samantha", first_name="Samantha", last_name="Ruiz")
    UserFactory.create(username="sammy", first_name="Old", is_active=False)
    client.force_login(marketer)
    people = reverse("mention_people")

    def offered(text: str) -> list[str]:
        response = client.get(people, {"q": text})
        assert response.status_code == 200
        return [person["username"] for person in response.json()["people"]]

    assert offered("sam") == ["sam", "samantha"]
    assert offered("WHIT") == ["sam"]  # Sam Whitaker, by last name
    assert offered("chen") == ["riley"]
    assert offered("") == []
    assert offered("x" * 500) == []
    assert offered("sa m") == []
    assert offered("%") == []
    assert client.get(people, {"q": "sam"}).json()["people"][0] == {
        "username": "sam",
        "name": "Sam Whitaker",
    }


def test_the_people_of_a_note_are_for_signed_in_colleagues_only(client: Client) -> None:
    response = client.get(reverse("mention_people"), {"q": "sam"})
    assert response.status_code == 302


def test_the_mentioned_colleague_sees_it_and_reading_the_page_changes_nothing(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    client.force_login(marketer)
    write(client, lead, "@sam please call <today>")
    client.force_login(sam)

    first = client.get(reverse("mentions"))
    again = client.get(reverse("mentions"))

    assert first.status_code == 200
    body = first.content.decode()
    mention = Mention.objects.get()
    assert f'action="{reverse("mention_open", args=[mention.pk])}"' in body
    assert ">Ada Lovelace</button>" in body
    assert "<strong>Maria" in body
    assert '<strong class="at-mention">@sam</strong> please call &lt;today&gt;' in body
    assert 'class="mention unseen"' in body
    assert Mention.objects.get().seen_at is None
    assert 'class="mention unseen"' in again.content.decode()


def test_opening_a_mention_marks_it_seen_and_goes_to_its_note(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    opened, other = mention_many(lead, marketer, sam, 2)
    client.force_login(sam)

    response = client.post(reverse("mention_open", args=[opened.pk]))
    page = client.get(reverse("mentions")).content.decode()

    lead_url = reverse("lead_detail", args=[lead.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{lead_url}#entry-activity-{opened.activity_id}"
    opened.refresh_from_db()
    other.refresh_from_db()
    assert opened.seen_at is not None
    assert other.seen_at is None
    assert f'href="{lead_url}#entry-activity-{opened.activity_id}"' in page
    assert page.count('class="mention unseen"') == 1


def test_nobody_opens_another_person_s_mention(
    client: Client, marketer: User, sam: User, sales_rep: User, lead: Lead
) -> None:
    [mention] = mention_many(lead, marketer, sam, 1)
    client.force_login(sales_rep)

    response = client.post(reverse("mention_open", args=[mention.pk]))

    assert response.status_code == 404
    mention.refresh_from_db()
    assert mention.seen_at is None


def test_mark_all_as_read_marks_what_the_page_showed(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    shown = mention_many(lead, marketer, sam, 3)
    client.force_login(sam)
    page = client.get(reverse("mentions")).content.decode()
    up_to = page.split('name="up_to" value="')[1].split('"')[0]
    [written_since] = mention_many(lead, marketer, sam, 1)

    response = client.post(reverse("mentions_mark_seen"), {"up_to": up_to}, follow=True)

    assert up_to == str(shown[-1].pk)
    assert response.redirect_chain == [(reverse("mentions"), 302)]
    assert "3 mentions marked as read." in response.content.decode()
    assert all(Mention.objects.get(pk=m.pk).seen_at is not None for m in shown)
    written_since.refresh_from_db()
    assert written_since.seen_at is None
    assert response.content.decode().count('class="mention unseen"') == 1


def test_mark_all_as_read_without_a_bound_marks_every_mention(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    mention_many(lead, marketer, sam, 2)
    client.force_login(sam)

    client.post(reverse("mentions_mark_seen"), {"up_to": "not a number"})

    assert not Mention.objects.filter(seen_at__isnull=True).exists()


def test_marking_needs_a_post_with_the_csrf_token(marketer: User, sam: User, lead: Lead) -> None:
    [mention] = mention_many(lead, marketer, sam, 1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sam)

    refused = [
        browser.get(reverse("mentions_mark_seen")).status_code,
        browser.get(reverse("mention_open", args=[mention.pk])).status_code,
        browser.post(reverse("mentions_mark_seen")).status_code,
        browser.post(reverse("mention_open", args=[mention.pk])).status_code,
    ]

    assert refused == [405, 405, 403, 403]
    mention.refresh_from_db()
    assert mention.seen_at is None


def test_the_menu_counts_unseen_mentions(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    mentions = mention_many(lead, marketer, sam, 3)
    client.force_login(sam)

    before = client.get(reverse("home")).content.decode()
    client.post(reverse("mention_open", args=[mentions[0].pk]))
    after = client.get(reverse("home")).content.decode()
    client.post(reverse("mentions_mark_seen"))
    none_left = client.get(reverse("home")).content.decode()

    unread = '<span class="visually-hidden"> unread</span>'
    assert f'<span class="nav-count">3{unread}</span>' in before
    assert f'<span class="nav-count">2{unread}</span>' in after
    assert "nav-count" not in none_left


def test_each_person_sees_only_their_own_mentions(
    client: Client, marketer: User, sam: User, sales_rep: User, lead: Lead
) -> None:
    client.force_login(marketer)
    write(client, lead, "@rep only for you")
    client.force_login(sam)

    body = client.get(reverse("mentions")).content.decode()

    assert "only for you" not in body
    assert "Nobody has mentioned you yet." in body
    assert Mention.objects.get().seen_at is None


def test_mentions_are_paged_newest_first_by_cursor(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    mention_many(lead, marketer, sam, 35)
    client.force_login(sam)

    first = client.get(reverse("mentions")).content.decode()
    cursor = first.split('hx-get="/leads/mentions/?before=')[1].split('"')[0]
    older = client.get(
        reverse("mentions"), {"before": cursor}, headers={"HX-Request": "true"}
    ).content.decode()

    assert first.index("number 34") < first.index("number 5<")
    assert "number 4<" not in first
    assert "<html" not in older
    assert [f"number {n}<" in older for n in range(6)] == [True] * 5 + [False]
    assert "Show older mentions" not in older


@pytest.mark.parametrize("count", [5, 50])
def test_the_mentions_page_s_query_count_does_not_grow(
    client: Client, marketer: User, sam: User, lead: Lead, django_assert_num_queries, count: int
) -> None:
    mention_many(lead, marketer, sam, count)
    client.force_login(sam)

    # session, user, roles; the mentions with their notes, leads and authors; the unseen count
    # of the menu; the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(8):
        response = client.get(reverse("mentions"))
    assert response.status_code == 200
    assert response.content.decode().count('class="mention unseen"') == min(count, 30)


def test_a_mangled_cursor_is_a_bad_request(client: Client, sam: User) -> None:
    client.force_login(sam)

    assert client.get(reverse("mentions"), {"before": "1.q.1"}).status_code == 400


def test_a_hostile_note_is_text_on_the_mentions_page(
    client: Client, marketer: User, sam: User, lead: Lead
) -> None:
    client.force_login(marketer)
    write(client, lead, '@sam <script>alert(1)</script> <a href="javascript:alert(1)">x</a>')
    lead.full_name = "<script>alert(2)</script>"
    lead.save()
    client.force_login(sam)

    body = client.get(reverse("mentions")).content.decode()

    assert "<script>alert" not in body
    assert 'href="javascript:' not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body


def test_the_nav_links_to_mentions(client: Client, sam: User) -> None:
    client.force_login(sam)

    body = client.get(reverse("mentions")).content.decode()

    assert f'<a href="{reverse("mentions")}" aria-current="page">Mentions</a>' in body
