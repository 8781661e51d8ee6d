"""A manager puts a website form on the company's site; visitors' submissions become leads."""

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import ActivityKind, Lead
from tests.e2e.conftest import Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """The website's access log is not the test's business."""


@pytest.fixture
def website(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The company's website: static files served on an origin of their own."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


def send_with_fetch(page: Page) -> int:
    """Click Send and wait for the endpoint's answer; its status."""

    def is_post(response: Response) -> bool:
        return "/capture/" in response.url and response.request.method == "POST"

    with page.expect_response(is_post) as answer:
        page.get_by_role("button", name="Send").click()
    return answer.value.status


def publish(folder: Path, name: str, body: str) -> None:
    page = folder / name / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(f"<!doctype html><html><body><h1>Acme</h1>{body}</body></html>")


def test_a_manager_puts_a_form_on_the_website_and_its_visitors_become_leads(
    page: Page,
    live_server: LiveServer,
    website: tuple[str, Path],
    screenshot: Screenshot,
    manager: User,
    maria: User,
    settings,
) -> None:
    settings.SITE_URL = live_server.url
    site, folder = website
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/leads/capture-forms/")
    log_in(page, "manager", PASSWORD)
    page.get_by_role("link", name="New website form").click()
    page.get_by_label("Name").fill("Contact us")
    page.get_by_label("Campaign").fill("Spring launch")
    page.get_by_label("Marketing owner of new leads").select_option(label="Maria Lindqvist")
    page.get_by_label("Allowed origins").fill(site)
    screenshot("capture-form-new")
    page.get_by_role("button", name="Save website form").click()

    expect(page.get_by_role("heading", name="Contact us")).to_be_visible()
    expect(page.get_by_text("The website form Contact us was saved.")).to_be_visible()
    screenshot("capture-form-detail")
    html = page.get_by_label("HTML form (works without JavaScript)").input_value()
    fetch = page.get_by_label("The same form sent with fetch() as JSON").input_value()
    publish(folder, "contact", html)
    publish(folder, "contact-js", fetch)
    publish(folder, "thank-you", "<p>Thanks for writing to Acme!</p>")

    # A visitor sends the plain form and lands on the site's thank-you page.
    page.goto(f"{site}/contact/")
    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@navy.example")
    page.get_by_label("Message").fill("We need a compiler.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thanks for writing to Acme!")).to_be_visible()
    assert page.url == f"{site}/thank-you/"

    # Another sends the fetch() version and stays on the page; then sends again.
    page.goto(f"{site}/contact-js/")
    status = page.get_by_role("status")
    page.get_by_label("Name").fill("Alan Turing")
    page.get_by_label("Email").fill("alan@bletchley.example")
    assert send_with_fetch(page) == 200
    expect(status).to_have_text("Thank you! We will be in touch soon.")
    expect(page.get_by_label("Name")).to_have_value("")
    page.get_by_label("Name").fill("Alan Turing")
    page.get_by_label("Email").fill("ALAN@bletchley.example")
    page.get_by_label("Company").fill("Bletchley Park")
    assert send_with_fetch(page) == 200
    # A mistyped address the browser did not catch (an old browser, say) comes back explained.
    page.get_by_label("Name").fill("Alan Turing")
    page.get_by_label("Email").evaluate("input => input.type = 'text'")
    page.get_by_label("Email").fill("not an email")
    assert send_with_fetch(page) == 400
    expect(status).to_contain_text("Enter a valid email address.")
    screenshot("capture-site-fetch")

    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "alan@bletchley.example",
        "grace@navy.example",
    ]
    alan = Lead.objects.get(email="alan@bletchley.example")
    assert (alan.company, alan.campaign, alan.marketing_owner) == (
        "Bletchley Park",
        "Spring launch",
        maria,
    )
    assert alan.activities.filter(kind=ActivityKind.CAPTURE).count() == 2

    # Back in the product: the form's page lists the captures, the lead's timeline says it.
    page.goto(f"{live_server.url}/leads/capture-forms/")
    page.get_by_role("link", name="Contact us").click()
    expect(page.get_by_role("cell", name="Added to a known lead")).to_be_visible()
    page.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_text("We need a compiler.")).to_be_visible()
    expect(page.get_by_text("Captured from the website form “Contact us”.")).to_be_visible()
    screenshot("capture-lead-timeline")
