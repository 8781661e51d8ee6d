"""The weekly digest in the browser: a rep reads this week's and past weeks' digests and turns
the email off (story 4); a manager emails themselves someone's digest (story 5)."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from dashboard.rollup import refresh_rollups
from digests.emails import digest_message
from digests.models import Digest, SendStatus
from digests.services import build_digest
from digests.tasks import send_digest
from digests.weeks import last_complete_week
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import period_containing
from leads.models import Lead
from smarketing.celery import app
from tests.digests.steps import Funnel
from tests.e2e.conftest import PHONE, Screenshot
from tests.e2e.test_lead_page import open_as
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP: ViewportSize = {"width": 1280, "height": 900}


def _a_busy_week(maria: User, sam: User) -> None:
    """Leads in every state a digest speaks of, and a goal for the quarter."""
    quarter = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    RevenueGoal.objects.create(
        kind=PeriodKind.QUARTER,
        starts_on=quarter.first_day,
        ends_on=quarter.end_day,
        amount=Decimal("250000"),
        marketing_share=60,
    )
    funnel = Funnel(marketer=maria, rep=sam)
    funnel.sql("Ada Lovelace", company="Analytical Engines")
    funnel.sql("Grace Hopper", company="Compilers & Co")
    funnel.mql("Alan Turing", company="Bletchley Park")
    funnel.won("Katherine Johnson", value="18500")
    funnel.lost("Charles Babbage", why="price")
    funnel.recycled("Hedy Lamarr", why="no-budget")
    refresh_rollups()


def _to(person: User) -> list[EmailMultiAlternatives]:
    """The emails sent to `person` (the recycle also told Maria, by a mention email)."""
    return [
        email
        for email in mail.outbox
        if email.to == [person.email] and isinstance(email, EmailMultiAlternatives)
    ]


def _digests_for(person: User) -> list[Digest]:
    """This week's digest and the two before, as the Monday jobs built them."""
    newest = last_complete_week(timezone.now()).first_day
    return [
        build_digest(user=person, week=newest - timedelta(weeks=weeks_ago))
        for weeks_ago in (2, 1, 0)
    ]


def test_a_rep_reads_this_weeks_and_past_digests_and_turns_the_email_off(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    _a_busy_week(maria, sam)
    older, previous, current = _digests_for(sam)
    open_as(page, live_server, sam, "/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Digests").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly digests")
    expect(page.get_by_role("heading", name="This week's digest")).to_be_visible()
    mine = page.get_by_role("region", name="Your week")
    expect(mine).to_contain_text("2 SQLs without a call, email or meeting since you claimed them")
    expect(mine.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("region", name="MQLs waiting to be claimed")).to_contain_text(
        "1 MQL waiting"
    )
    screenshot("digest-list")

    past = page.get_by_role("region", name="All your digests")
    expect(past.get_by_role("row")).to_have_count(4)  # a header and three weeks
    past.get_by_role("link", name=f"Week of {date_format(previous.week, 'DATE_FORMAT')}").click()
    expect(page).to_have_url(f"{live_server.url}/digests/{previous.week.isoformat()}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digest:")
    expect(page.get_by_role("region", name="Your week")).to_be_visible()
    screenshot("digest-page")

    page.get_by_role("link", name="All your digests").click()
    page.get_by_role("button", name="Turn the email off").click()

    expect(page.get_by_role("status")).to_have_text(
        "The digest email is off. Your digests stay here."
    )
    expect(page.get_by_text("Weekly email: off.")).to_be_visible()
    expect(page.get_by_role("heading", name="This week's digest")).to_be_visible()
    send_digest(sam.pk, current.week.isoformat())
    assert Digest.objects.get(pk=current.pk).status == SendStatus.OPTED_OUT
    assert _to(sam) == []
    assert older.pk != current.pk

    page.get_by_role("button", name="Turn the email on").click()
    expect(page.get_by_text("Weekly email: on.")).to_be_visible()


def test_a_manager_emails_themselves_a_reps_digest_as_a_preview(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    morgan = UserFactory.create(
        username="morgan", first_name="Morgan", last_name="Reyes", roles=[Role.MANAGERS]
    )
    _a_busy_week(maria, sam)
    open_as(page, live_server, morgan, "/digests/")
    preview = page.get_by_role("region", name="See this week's digest of one person")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        preview.get_by_label("Whose digest").select_option(label="Sam Whitaker")
        preview.get_by_role("button", name="Email me the preview").click()
        expect(page.get_by_role("status")).to_have_text(
            "Sam Whitaker's digest is on its way to morgan@example.com."
        )
        deadline = time.monotonic() + 20
        while not _to(morgan):
            assert time.monotonic() < deadline, "the worker sent no preview in time"
            time.sleep(0.1)

    [email] = _to(morgan)
    week = last_complete_week(timezone.now()).first_day
    assert email.to == ["morgan@example.com"]
    assert email.subject == (
        f"[Preview of Sam Whitaker's digest] Week of {week:%B} {week.day}: "
        "2 SQLs wait for your first touch"
    )
    digest = Digest.objects.get(user=sam)
    assert (digest.week, digest.status) == (week, SendStatus.PENDING)

    _show_as_a_mail_client_would(page, email)
    expect(
        page.get_by_text("A preview of Sam Whitaker's digest, as they receive it.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_have_attribute(
        "href", f"{settings.SITE_URL}/leads/{Lead.objects.get(full_name='Ada Lovelace').pk}/"
    )
    screenshot("digest-email-preview")

    own = digest_message(build_digest(user=morgan, week=week), recipient=morgan)
    _show_as_a_mail_client_would(page, own)
    expect(page.get_by_role("heading", name="Both sides of the agreement")).to_be_visible()
    screenshot("digest-email-manager")


def _show_as_a_mail_client_would(page: Page, email: EmailMultiAlternatives) -> None:
    """The HTML part on a blank page: no app styles, no content security policy."""
    [(html, _mimetype)] = email.alternatives
    page.goto("about:blank")
    page.set_content(str(html))


def test_a_manager_reads_a_reps_digest_on_its_page(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    morgan = UserFactory.create(
        username="morgan", first_name="Morgan", last_name="Reyes", roles=[Role.MANAGERS]
    )
    _a_busy_week(maria, sam)
    open_as(page, live_server, morgan, "/digests/")
    preview = page.get_by_role("region", name="See this week's digest of one person")

    preview.get_by_label("Whose digest").select_option(label="Sam Whitaker")
    preview.get_by_role("button", name="Show it here").click()

    week = last_complete_week(timezone.now()).first_day
    expect(page).to_have_url(f"{live_server.url}/digests/{week.isoformat()}/people/{sam.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Whitaker's digest")
    expect(page.get_by_text("A preview: what Sam Whitaker reads, as a Sales rep.")).to_be_visible()
    mine = page.get_by_role("region", name="Your week")
    expect(mine.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    screenshot("digest-preview-page-laptop-en")
    page.set_viewport_size(PHONE)
    screenshot("digest-preview-page-phone-en")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    User.objects.filter(pk=morgan.pk).update(language="es")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resumen de Sam Whitaker")
    screenshot("digest-preview-page-phone-es")
    assert _to(morgan) == []
    assert Digest.objects.get(user=sam).status == SendStatus.PENDING

    # Without a digest of their own this week, the list says when the next one is built.
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/digests/")
    expect(page.locator(".empty").first).to_contain_text("08:00")
    screenshot("digest-list-manager-laptop-es")
