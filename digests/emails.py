"""The digest as an email: plain text and HTML, in the reader's language, with links to the
app at SITE_URL."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from digests.content import current_digest
from digests.models import Digest
from smarketing.links import absolute_url, site_root


def digest_context(digest: Digest) -> dict[str, Any]:
    """What the page and the email templates show of a digest, in the current shape whatever
    the version it was built in."""
    content = current_digest(digest.content, version=digest.content_version, role=digest.role)
    return {
        "digest": digest,
        "role": digest.role,
        "team": content["team"],
        "me": content["me"],
        "week_start": digest.week,
        "week_end": digest.week + timedelta(days=6),
        "converted": [
            (_("Sources"), content["team"]["sources"]),
            (_("Personas"), content["team"]["personas"]),
        ],
    }


def digest_message(
    digest: Digest, *, recipient: User, preview: bool = False
) -> EmailMultiAlternatives:
    """The email of `digest` for `recipient`: its person, or a manager asking for a preview."""
    site = site_root()
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = digest_context(digest) | {
            "preview": preview,
            "site": site,
            "digest_url": absolute_url(
                reverse("person_digest", args=[digest.week.isoformat(), digest.user_id])
                if preview
                else reverse("digest_detail", args=[digest.week.isoformat()])
            ),
        }
        subject = render_to_string("digests/email/subject.txt", context)
        text = render_to_string("digests/email/digest.txt", context)
        html = render_to_string("digests/email/digest.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return message
