import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from leads.models import Mention
from smarketing.links import absolute_url

logger = logging.getLogger(__name__)


# The mail server or the database unreachable for a while: worth trying again.
@shared_task(autoretry_for=(OSError, DatabaseError), retry_backoff=True, max_retries=5)
def send_mention_email(mention_id: int) -> bool:
    """Tell a colleague by email that they were mentioned; at most once per mention.

    The mention is marked emailed before sending, so a task run twice (or redelivered) sends
    one email; any failed send clears the mark again, so that a mention is marked emailed only
    when its email went out, and the task is retried when the failure may pass."""
    mention = (
        Mention.objects.select_related("user", "activity__lead", "activity__author")
        .filter(pk=mention_id)
        .first()
    )
    if mention is None or not mention.user.email or not mention.user.is_active:
        return False
    claimed = Mention.objects.filter(pk=mention_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        _send(mention)
    except Exception:
        logger.warning("Mention email %s failed", mention_id, exc_info=True)
        Mention.objects.filter(pk=mention_id).update(emailed_at=None)
        raise
    return True


def _send(mention: Mention) -> None:
    user = mention.user
    lead = mention.activity.lead
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "mention": mention,
            "author": mention.activity.author,
            "lead": lead,
            "lead_url": absolute_url(reverse("lead_detail", args=[lead.pk])),
        }
        # One line whatever the lead's name holds: a header with a line break is refused.
        subject = " ".join(render_to_string("leads/email/mention_subject.txt", context).split())
        body = render_to_string("leads/email/mention.txt", context)
    send_mail(subject, body, None, [user.email])
