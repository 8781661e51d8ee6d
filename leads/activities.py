"""Writing on a lead's timeline: activities and the mentions in them.

The one module of leads that funnel uses besides the models (a recycle tells the marketing
owner, a reassignment names the new owners), so it stands below funnel: it imports nothing
from funnel and nothing of leads that does.
"""

import re

from django.db import transaction

from accounts.models import User
from leads.access import ADD_ACTIVITY_REFUSAL, can_add_activity
from leads.messages import Line, render
from leads.models import Activity, ActivityKind, Lead, Mention
from leads.tasks import send_mention_email
from smarketing.errors import NotAllowed
from smarketing.outbox import enqueue

# The longest text a person writes in one go: a note, a call's summary, a move's note.
NOTE_MAX_LENGTH = 10_000
MENTION = re.compile(r"(?<![\w@.])@([\w.+-]*\w)")


@transaction.atomic
def add_activity(
    *,
    lead: Lead,
    kind: ActivityKind,
    body: str = "",
    author: User,
    message: list[Line] | None = None,
) -> Activity:
    """Write on a lead's timeline: what `author` wrote (`body`) and what the product says
    (`message`, lines of leads.messages, shown in each reader's language). Every active
    colleague named as @username in either is mentioned."""
    if not can_add_activity(author):
        raise NotAllowed(str(ADD_ACTIVITY_REFUSAL))
    lines = message or []
    activity = Activity.objects.create(
        lead=lead, kind=kind, body=body.strip(), message=lines, author=author
    )
    named = "\n".join([render(lines), body])
    mention_users(activity=activity, users=mentioned_users(named, author=author))
    return activity


def mention_users(*, activity: Activity, users: list[User]) -> None:
    """Each of `users` finds `activity` under Mentions and gets an email, sent by the worker
    once the transaction commits, so nobody waits for the mail server."""
    mentions = Mention.objects.bulk_create(
        [Mention(activity=activity, user=user, created_at=activity.created_at) for user in users]
    )
    enqueue(task=send_mention_email, calls=[[mention.pk] for mention in mentions])


def mentioned_users(text: str, *, author: User) -> list[User]:
    usernames = {name.lower() for name in MENTION.findall(text)}
    if not usernames:
        return []
    candidates = User.objects.filter(is_active=True).exclude(pk=author.pk)
    return list(candidates.filter(username__iregex=_any_of(usernames)))


def unknown_mentions(text: str) -> list[str]:
    """The @names in `text` that are no active colleague's username, as written. One query,
    none without an @name."""
    written: dict[str, str] = {}
    for name in MENTION.findall(text):
        written.setdefault(name.lower(), name)
    if not written:
        return []
    known = User.objects.filter(is_active=True, username__iregex=_any_of(set(written)))
    found = {username.lower() for username in known.values_list("username", flat=True)}
    return sorted((name for key, name in written.items() if key not in found), key=str.lower)


def _any_of(usernames: set[str]) -> str:
    return "^(" + "|".join(re.escape(name) for name in sorted(usernames)) + ")$"
