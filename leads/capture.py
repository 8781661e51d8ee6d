"""Leads from the company's website: the forms managers set up, and what a submission does.

A submission to an enabled form's public key creates a lead in the funnel's first stage or, for
a known email (in any letter case), fills in what the lead lacks; either way the lead's timeline
says which form captured it, and the form's owner is told after the commit, by the worker.
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from audit.services import record_change, snapshot, stored
from leads.access import MANAGE_CAPTURE_FORMS_REFUSAL, can_manage_capture_forms
from leads.activities import mention_users
from leads.messages import line
from leads.models import Activity, ActivityKind, Capture, CaptureForm, Lead
from leads.services import DuplicateLead, enter_new_lead, find_lead_by_email, fold_in_details
from smarketing.errors import NotAllowed
from smarketing.links import absolute_url

# What a visitor may send besides the email: anything else in a submission is ignored, so stage,
# owners, source, campaign, persona and dates can never be set from outside.
VISITOR_FIELDS = ["full_name", "email", "phone", "company", "job_title", "country"]
# The field people cannot see and bots fill in (the snippet hides it).
HONEYPOT = "website"
# What managers set on a website form: its form, the API and its history of changes. The public
# key is the form's own, never edited, and kept out of the history.
CAPTURE_FORM_FIELDS = (
    "name",
    "source",
    "campaign",
    "persona",
    "owner",
    "allowed_origins",
    "per_minute",
    "per_address_per_minute",
    "enabled",
)
LATEST_CAPTURES = 10
DEFAULT_PORTS = {"http": 80, "https": 443}
# What new_capture_key writes (URL-safe base64), at most the column's length.
PUBLIC_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")


def normalise_origin(text: str) -> str:
    """An origin as browsers send it in the Origin header: scheme://host[:port], lower case, the
    default port left out. Raises ValueError for anything else (paths, user names, ...)."""
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        raise ValueError(text) from None
    scheme = parts.scheme.lower()
    if (
        scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(text)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown_port = f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown_port}"


def origin_allowed(form: CaptureForm, origin: str) -> bool:
    try:
        return normalise_origin(origin) in form.allowed_origins
    except ValueError:
        return False


def thank_you_url(form: CaptureForm, url: str) -> str | None:
    """`url` when it is an absolute address on one of the form's origins, else None: the
    endpoint must not redirect visitors to wherever a submission says."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return url if origin_allowed(form, f"{parts.scheme}://{parts.netloc}") else None


def enabled_capture_form(key: str) -> CaptureForm | None:
    """The form behind a public key if it accepts submissions; one indexed query whether the
    key is unknown or disabled, so neither answers faster than the other. A key that cannot be
    one of ours (new_capture_key's alphabet) is not looked up: PostgreSQL refuses some
    characters (NUL) outright."""
    if not PUBLIC_KEY.fullmatch(key):
        return None
    return CaptureForm.objects.select_related("owner").filter(public_key=key, enabled=True).first()


def capture_forms_with_counts() -> QuerySet[CaptureForm]:
    """Every form, with its number of captures and the latest one's time. One query."""
    return CaptureForm.objects.annotate(
        capture_count=Count("captures"), last_capture_at=Max("captures__at")
    ).order_by("name")


def latest_captures(form: CaptureForm) -> list[Capture]:
    return list(form.captures.select_related("lead").order_by("-at", "-id")[:LATEST_CAPTURES])


@transaction.atomic
def save_capture_form(*, form: CaptureForm, actor: User) -> CaptureForm:
    if not can_manage_capture_forms(actor):
        raise NotAllowed(str(MANAGE_CAPTURE_FORMS_REFUSAL))
    before = stored(form, CAPTURE_FORM_FIELDS)
    form.save()
    record_change(actor=actor, obj=form, before=before, after=snapshot(form, CAPTURE_FORM_FIELDS))
    return form


@transaction.atomic
def capture_lead(*, form: CaptureForm, details: dict[str, Any], message: str = "") -> Capture:
    """Record one submission of `form`: a new lead, or the known lead with this email filled in.

    Two submissions of one new email at the same moment make one lead: the second waits on the
    unique email index, then finds the first one's lead and is merged into it."""
    visitor = {field: details[field] for field in VISITOR_FIELDS if field in details}
    defaults = {"source": form.source, "campaign": form.campaign, "persona": form.persona}
    lead = find_lead_by_email(visitor["email"])
    created = False
    if lead is None:
        try:
            lead = enter_new_lead(details=defaults | visitor, owner=form.owner, actor=None)
            created = True
        except DuplicateLead as duplicate:
            lead = duplicate.existing
    lines = [line("captured", form=form.name)]
    if not created:
        # The row lock makes concurrent captures and edits of this lead apply one after another.
        lead = _locked(lead, visitor["email"])
        # The form's source is left alone: the lead's first source is the one reports count.
        given = visitor | {"campaign": form.campaign, "persona": form.persona}
        merged = fold_in_details(lead=lead, details=given)
        lines = [line("captured_again", form=form.name), *merged]
    if message.strip():
        lines.append(line("visitor_message"))
    activity = Activity.objects.create(
        lead=lead, kind=ActivityKind.CAPTURE, body=message.strip(), message=lines, author=None
    )
    _tell_owner(form, activity)
    return Capture.objects.create(
        form=form, lead=lead, created_lead=created, at=activity.created_at
    )


def _locked(lead: Lead, email: str) -> Lead:
    """`lead`, locked; or, when it was merged into another lead while this waited for it, the
    lead its email finds now (leads.merge)."""
    try:
        return Lead.objects.locked(lead.pk)
    except Lead.DoesNotExist:
        survivor = find_lead_by_email(email)
        if survivor is None:
            raise
        return Lead.objects.locked(survivor.pk)


def _tell_owner(form: CaptureForm, activity: Activity) -> None:
    """The form's owner finds the capture under Mentions and gets an email, sent by the worker
    once the capture is committed, so the visitor's answer never waits for the mail server."""
    if form.owner is not None and form.owner.is_active:
        mention_users(activity=activity, users=[form.owner])


@dataclass(frozen=True)
class Snippets:
    endpoint: str
    html: str
    fetch: str


def capture_endpoint(form: CaptureForm) -> str:
    """The absolute address the website posts the form to."""
    return absolute_url(reverse("capture", args=[form.public_key]))


def snippets(form: CaptureForm) -> Snippets:
    """The HTML to paste into the website: a plain form, and the same form sent with fetch()."""
    endpoint = capture_endpoint(form)
    origin = form.allowed_origins[0] if form.allowed_origins else "https://www.example.com"
    context = {"endpoint": endpoint, "honeypot": HONEYPOT, "thank_you": f"{origin}/thank-you"}
    return Snippets(
        endpoint=endpoint,
        html=render_to_string("leads/capture/snippet_form.html", context).strip(),
        fetch=render_to_string("leads/capture/snippet_fetch.html", context).strip(),
    )


@dataclass(frozen=True)
class CaptureFormDetail:
    """A website form (with its counts) as its page shows it: its snippets and latest captures."""

    form: CaptureForm
    snippets: Snippets
    latest_captures: list[Capture]


def capture_form_detail(pk: int) -> CaptureFormDetail:
    """CaptureForm.DoesNotExist if there is none."""
    form = capture_forms_with_counts().select_related("persona", "owner").get(pk=pk)
    return CaptureFormDetail(
        form=form, snippets=snippets(form), latest_captures=latest_captures(form)
    )
