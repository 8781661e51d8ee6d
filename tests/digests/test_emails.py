"""The digest email: plain text and HTML, people's text escaped, links to the app's address."""

import re
from datetime import date

import pytest
from django.core.mail import EmailMultiAlternatives

from digests.emails import digest_message
from digests.services import build_digest
from tests.digests.steps import Funnel

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & <b>Co</b>'


@pytest.fixture
def rep_digest(marketer, sales_rep, settings):
    settings.SITE_URL = "https://crm.example.com"
    Funnel(marketer=marketer, rep=sales_rep).sql(HOSTILE, company="Evil <i>Inc</i>")
    return build_digest(user=sales_rep, week=date(2026, 11, 16))


def _html(message: EmailMultiAlternatives) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def test_the_email_has_a_readable_text_part_and_an_html_part(rep_digest, sales_rep) -> None:
    message = digest_message(rep_digest, recipient=sales_rep)

    assert message.to == [sales_rep.email]
    assert message.subject == "Week of November 16: 1 SQL waits for your first touch"
    assert "Your SQLs waiting for a first touch" in message.body
    assert "1 SQL without a call, email or meeting since you claimed it" in message.body
    assert "<" not in message.body.replace(HOSTILE, "").replace("Evil <i>Inc</i>", "")
    html = _html(message)
    assert "Your SQLs waiting for a first touch" in html


def test_peoples_text_is_escaped_in_html_and_kept_as_typed_in_text(rep_digest, sales_rep):
    message = digest_message(rep_digest, recipient=sales_rep)
    html = _html(message)

    assert HOSTILE in message.body
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "Evil &lt;i&gt;Inc&lt;/i&gt;" in html


def test_every_link_is_absolute_to_the_configured_address(rep_digest, sales_rep) -> None:
    message = digest_message(rep_digest, recipient=sales_rep)
    html = _html(message)

    links = re.findall(r'href="([^"]+)"', html)
    assert links
    assert all(link.startswith("https://crm.example.com/") for link in links)
    assert "https://crm.example.com/digests/2026-11-16/" in links
    addresses = re.findall(r"https?://\S+", str(message.body))
    assert addresses
    assert all(url.startswith("https://crm.example.com/") for url in addresses)


def test_the_html_styles_inline_and_runs_nothing(rep_digest, sales_rep) -> None:
    html = _html(digest_message(rep_digest, recipient=sales_rep))

    assert "<style" not in html
    assert "<link" not in html
    assert "<script" not in html
    assert 'style="' in html


def test_a_preview_goes_to_the_manager_and_says_whose_digest_it_is(
    rep_digest, sales_rep, manager
) -> None:
    message = digest_message(rep_digest, recipient=manager, preview=True)

    name = sales_rep.get_full_name()
    assert message.to == [manager.email]
    assert message.subject.startswith(f"[Preview of {name}'s digest] Week of November 16")
    assert f"A preview of {name}'s digest, as they receive it." in message.body


def test_the_email_speaks_the_readers_language(rep_digest, sales_rep) -> None:
    sales_rep.language = "es"

    message = digest_message(rep_digest, recipient=sales_rep)

    assert 'lang="es"' in _html(message)
    # The month is named with its "de", from Django's Spanish date formats.
    assert message.subject.startswith("Semana del 16 de noviembre: ")
    assert "La semana del 16 de noviembre al 22 de noviembre de 2026" in message.body
